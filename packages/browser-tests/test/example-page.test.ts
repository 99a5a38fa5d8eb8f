import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, launchChromium, repoRoot, startServer, type Browser, type StaticServer } from '../src/index.js';
import type { ExampleState } from '../../../apps/examples/browser/main.js';

const pageDir = join(repoRoot, 'apps/examples/browser');
/** Screenshots land here (ignored by git). */
const artifacts = join(repoRoot, 'apps/examples/test-artifacts');

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('the LoRA example page in headless Chromium', () => {
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    const script = await bundlePage('apps/examples/browser/main.ts');
    server = await startServer({ files: { '/index.html': readFileSync(join(pageDir, 'index.html'), 'utf8'), '/main.js': script } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('fine-tunes with LoRA on WebGPU: the loss goes down, only A and B train, tensors stay flat', async () => {
    const { page, errors } = await browser.newPage();
    await page.setViewportSize({ width: 800, height: 640 });
    await page.goto(`${server.url}/?pretrain=60&steps=80`);
    await page.waitForFunction(
      () => {
        const s = (globalThis as { peftjsExample?: ExampleState }).peftjsExample;
        return s?.phase === 'done' || s?.phase === 'failed';
      },
      undefined,
      { timeout: 240_000, polling: 500 },
    );
    const state = await page.evaluate(() => (globalThis as unknown as { peftjsExample: ExampleState }).peftjsExample);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'lora-webgpu.png') });

    const { pretrainLosses: pre, loraLosses: lora } = state;
    console.log(
      `example: ${state.backend} (${state.adapter}); pretraining ${pre[0]?.toFixed(3)} → ${pre.at(-1)?.toFixed(3)}, ` +
        `LoRA ${lora[0]?.toFixed(3)} → ${lora.at(-1)?.toFixed(3)}; trainable ${state.trainableParameters} of ${state.totalParameters}`,
    );
    expect(state.error).toBeUndefined();
    expect(state.phase).toBe('done');
    expect(state.backend).toBe('webgpu');
    expect(state.adapter).toMatch(/^WebGPU adapter: /);
    expect([pre.length, lora.length]).toEqual([60, 80]);
    expect([...pre, ...lora].every(Number.isFinite)).toBe(true);
    // both phases learn: the last ten steps' mean loss is well below the first ten's
    expect(mean(pre.slice(-10))).toBeLessThan(0.8 * mean(pre.slice(0, 10)));
    expect(mean(lora.slice(-10))).toBeLessThan(0.8 * mean(lora.slice(0, 10)));
    // LoRA r = 4 on fc1 (96 → 96) and fc2 (96 → vocabulary): A and B only
    const v = state.vocabSize;
    expect(state.trainableParameters).toBe(4 * (96 + 96) + 4 * (96 + v));
    // the frozen base: embedding [v, 12], fc1 96·96 + 96, fc2 96·v + v
    expect(state.totalParameters - state.trainableParameters).toBe(v * 12 + 96 * 96 + 96 + 96 * v + v);
    // every step runs inside tidy: after the optimizer's first step made its state, the count is flat
    const loraTensors = state.liveTensors.slice(pre.length + 1);
    expect(new Set(loraTensors).size).toBe(1);
    // then generate() samples verse from the adapted model: the 8-character prompt and 120 new characters
    console.log(`example: sampled ${JSON.stringify(state.sample)}`);
    expect(state.sample).toHaveLength(8 + 120);
    expect(errors).toEqual([]);
  }, 300_000);
});
