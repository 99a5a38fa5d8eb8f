import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '@peftjs/backend-cpu';
import { memory, setBackend, type Tensor } from '@peftjs/core';
import { loadSafetensorsFile } from '@peftjs/core/node';
import { checkCombineCase, type CombineCheckOptions, type CombineMeta } from '@peftjs/conformance';
import { beforeAll, describe, expect, it } from 'vitest';
import { findGoldenDir } from './golden-dir.js';

// Every combination is checked against PEFT by the conformance suite's combine cases (combine.test.ts);
// here: that the folder has every type, and that the checks tell PEFT 0.18.1's choices apart.
const golden = await findGoldenDir();
const cases = readdirSync(join(golden, 'peft'))
  .filter((d) => d.startsWith('combine_'))
  .sort();

async function check(name: string, options: CombineCheckOptions) {
  const dir = join(golden, 'peft', name);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as CombineMeta;
  const peftVersion = (JSON.parse(readFileSync(join(golden, 'index.json'), 'utf8')) as { env: { peft: string } }).env.peft;
  const sources = await loadSafetensorsFile(join(dir, 'source_adapters.safetensors'));
  const want = await loadSafetensorsFile(join(dir, 'combined_adapter.safetensors'));
  try {
    return await checkCombineCase({ name, meta, peftVersion, sources, golden: want }, options);
  } finally {
    const all: Tensor[] = [...sources.values(), ...want.values()];
    for (const t of all) t.dispose();
  }
}

describe('LoRA combinations against HF PEFT add_weighted_adapter (golden)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('covers every combination type PEFT has', () => {
    expect(cases.map((c) => c.slice('combine_'.length))).toEqual([
      'cat',
      'dare_linear',
      'dare_linear_svd',
      'dare_ties',
      'dare_ties_svd',
      'linear',
      'magnitude_prune',
      'magnitude_prune_svd',
      'svd',
      'ties',
      'ties_svd',
    ]);
  });

  it('shows what PEFT 0.18.1 does: scaling counted twice in the svd types, no DARE rescale', async () => {
    const before = memory().numTensors;
    const svdOnce = await check('combine_svd', { overrides: { deltaScaling: 'once' } });
    expect(svdOnce.maxRelError).toBeGreaterThan(0.1);
    const rescaled = await check('combine_dare_linear', { overrides: { dareRescale: true } });
    expect(rescaled.maxRelError).toBeGreaterThan(0.1);
    const rescaledSvd = await check('combine_dare_linear_svd', { overrides: { dareRescale: true } });
    expect(rescaledSvd.failures.join('\n')).toMatch(/not a plausible draw of ours/);
    for (const r of [svdOnce, rescaled, rescaledSvd]) for (const t of r.factors?.values() ?? []) t.dispose();
    expect(memory().numTensors).toBe(before);
  });
});
