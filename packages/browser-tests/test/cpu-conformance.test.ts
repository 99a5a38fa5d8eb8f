import { locateGoldenDir, makePlan } from '@peftjs/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, launchChromium, modulePage, startServer, type Browser } from '../src/index.js';
import { BROWSER_CONFORMANCE_FILTER } from '../src/pages/conformance-filter.js';
import type { CpuConformancePageGlobals, CpuConformanceSummary, PageCaseResult } from '../src/pages/protocol.js';

// PEFTJS_BROWSER_FILTER narrows the run to cases whose `suite/name` matches (while debugging).
const filter = process.env.PEFTJS_BROWSER_FILTER;

/**
 * The suite on the CPU backend's fast kernels in headless Chromium, twice: in a cross-origin-isolated
 * page (COOP and COEP headers, so SharedArrayBuffer and shared-memory Web Workers exist and large
 * matmuls are split over threads) and in a plain page (one thread).
 */
describe('conformance in headless Chromium on the CPU backend', () => {
  let script: string;
  let golden: string;
  let planned: number;
  let browser: Browser;

  beforeAll(async () => {
    const located = await locateGoldenDir();
    golden = located.dir;
    script = await bundlePage('packages/browser-tests/src/pages/cpu-conformance.ts');
    const wanted = new RegExp(filter ?? BROWSER_CONFORMANCE_FILTER);
    planned = (await makePlan(golden)).suites.flatMap((s) => s.cases).filter((c) => wanted.test(`${c.suite}/${c.name}`)).length;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function run(crossOriginIsolated: boolean): Promise<CpuConformanceSummary> {
    const server = await startServer({
      files: { '/index.html': modulePage('peft.js CPU conformance', '/cpu-conformance.js'), '/cpu-conformance.js': script },
      folders: { '/golden/': golden },
      crossOriginIsolated,
    });
    try {
      const { page, errors } = await browser.newPage();
      const failures: PageCaseResult[] = [];
      await page.exposeFunction('peftjsCaseDone', (r: PageCaseResult) => {
        if (r.status === 'failed') failures.push(r);
      });
      await page.goto(server.url);
      await page.waitForFunction(() => 'runConformanceOnCpu' in globalThis);
      const summary = await page.evaluate((f) => (globalThis as unknown as CpuConformancePageGlobals).runConformanceOnCpu(f), filter);
      await page.close();
      const label = crossOriginIsolated ? 'isolated' : 'not isolated';
      // the half-precision skips share one reason: print each reason once, with its count
      const reasons = new Map<string, number>();
      for (const r of summary.results) if (r.status === 'skipped') reasons.set(r.reason ?? '', (reasons.get(r.reason ?? '') ?? 0) + 1);
      for (const [reason, count] of reasons) console.log(`browser cpu (${label}): skipped ${count}: ${reason}`);
      console.log(
        `browser cpu (${label}): crossOriginIsolated ${summary.crossOriginIsolated}, SharedArrayBuffer ${summary.sharedArrayBuffer}, ` +
          `hardwareConcurrency ${summary.hardwareConcurrency}, threads ${JSON.stringify(summary.threads)}; ` +
          `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`,
      );
      expect(failures.map((r) => `${r.suite}/${r.name}: ${r.reason}`)).toEqual([]);
      expect(summary.failed).toBe(0);
      expect(summary.results.length, 'cases the page ran, against the plan').toBe(planned);
      expect(summary.passed + summary.skipped).toBe(planned);
      expect(summary.notes.join('\n')).toMatch(/golden: compared \d+ op cases/);
      expect(errors).toEqual([]);
      return summary;
    } finally {
      await server.close();
    }
  }

  it('passes in a cross-origin-isolated page, with the large matmuls split over worker threads', async () => {
    const summary = await run(true);
    expect(summary.crossOriginIsolated).toBe(true);
    expect(summary.sharedArrayBuffer).toBe(true);
    // the machine's cores, at most 8; Chromium reports at least 2 here, so workers were started and used
    expect(summary.threads.requested).toBe(Math.max(1, Math.min(8, summary.hardwareConcurrency)));
    expect(summary.threads.requested).toBeGreaterThan(1);
    expect(summary.threads.started).toBe(summary.threads.requested);
    expect(summary.threads.maxUsed).toBeGreaterThan(1);
  }, 1_200_000);

  it('passes in a page that is not isolated, on one thread', async () => {
    const summary = await run(false);
    expect(summary.crossOriginIsolated).toBe(false);
    expect(summary.sharedArrayBuffer).toBe(false);
    expect(summary.threads).toEqual({ requested: summary.threads.requested, started: 1, maxUsed: 1 });
  }, 1_200_000);
});
