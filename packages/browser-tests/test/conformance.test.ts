import { locateGoldenDir, makePlan } from '@peftjs/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, launchChromium, modulePage, startServer, type Browser, type StaticServer } from '../src/index.js';
import { BROWSER_CONFORMANCE_FILTER } from '../src/pages/conformance-filter.js';
import type { ConformancePageGlobals, PageCaseResult } from '../src/pages/protocol.js';

// PEFTJS_BROWSER_FILTER narrows the run to cases whose `suite/name` matches (while debugging).
const filter = process.env.PEFTJS_BROWSER_FILTER;

describe('conformance in headless Chromium on WebGPU', () => {
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    const [script, golden] = await Promise.all([bundlePage('packages/browser-tests/src/pages/conformance.ts'), locateGoldenDir()]);
    server = await startServer({
      files: { '/index.html': modulePage('peft.js conformance', '/conformance.js'), '/conformance.js': script },
      folders: { '/golden/': golden.dir },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('passes every case; an adapter is required', async () => {
    const { page, errors } = await browser.newPage();
    const failures: PageCaseResult[] = [];
    await page.exposeFunction('peftjsCaseDone', (r: PageCaseResult) => {
      if (r.status === 'failed') failures.push(r);
    });
    await page.goto(server.url);
    await page.waitForFunction(() => 'runConformanceOnWebGPU' in globalThis);
    const summary = await page.evaluate((f) => (globalThis as unknown as ConformancePageGlobals).runConformanceOnWebGPU(f), filter);

    const a = summary.adapter;
    console.log(
      `browser: adapter ${a ? `${a.vendor} ${a.architecture}${a.isFallbackAdapter ? ' (fallback adapter)' : ''}` : 'none'}, backend ${summary.backendName}`,
    );
    for (const r of summary.results) if (r.status === 'skipped') console.log(`browser: skipped ${r.suite}/${r.name}: ${r.reason}`);
    for (const note of summary.notes) console.log(`browser: ${note}`);
    console.log(`browser: conformance on webgpu: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);

    expect(summary.adapter, 'navigator.gpu.requestAdapter() gave no adapter').not.toBeNull();
    expect(summary.backendName).toBe('webgpu');
    expect(failures.map((r) => `${r.suite}/${r.name}: ${r.reason}`)).toEqual([]);
    expect(summary.failed).toBe(0);
    // every case of the plan ran, and the skips are pinned, so a new skip is seen
    const plan = await makePlan((await locateGoldenDir()).dir);
    const wanted = new RegExp(filter ?? BROWSER_CONFORMANCE_FILTER);
    const planned = plan.suites.flatMap((s) => s.cases).filter((c) => wanted.test(`${c.suite}/${c.name}`)).length;
    expect(summary.results.length, 'cases the page ran, against the plan').toBe(planned);
    expect(summary.passed + summary.skipped).toBe(planned);
    if (!filter) expect(summary.skipped, 'skipped cases (each printed above with its reason)').toBe(35);
    expect(summary.notes.join('\n')).toMatch(/golden: compared \d+ op cases/);
    expect(errors).toEqual([]);
  }, 600_000);
});
