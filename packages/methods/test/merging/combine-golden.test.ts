import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import '@peftjs/backend-cpu';
import { memory, setBackend } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCombineCase } from './combine-golden.js';
import { findGoldenDir } from './golden-dir.js';

const golden = await findGoldenDir();
const cases = golden ? readdirSync(join(golden, 'peft')).filter((d) => d.startsWith('combine_')).sort() : [];

describe('LoRA combinations against HF PEFT add_weighted_adapter (golden)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('covers every combination type PEFT has', () => {
    expect(cases.map((c) => c.slice('combine_'.length))).toEqual(
      ['cat', 'dare_linear', 'dare_linear_svd', 'dare_ties', 'dare_ties_svd', 'linear', 'magnitude_prune', 'magnitude_prune_svd', 'svd', 'ties', 'ties_svd'],
    );
  });

  for (const name of cases) {
    it(name, async () => {
      const before = memory().numTensors;
      const result = await checkCombineCase(join(golden, 'peft', name));
      console.log(`${name} [${result.compared}] max rel. error ${result.maxRelError.toExponential(2)}\n  ${result.details.join('\n  ')}`);
      expect(result.failures).toEqual([]);
      expect(memory().numTensors).toBe(before);
    }, 60_000);
  }

  it('shows what PEFT 0.18.1 does: scaling counted twice in the svd types, no DARE rescale', async () => {
    if (!cases.includes('combine_svd') || !cases.includes('combine_dare_linear')) return;
    const svdOnce = await checkCombineCase(join(golden, 'peft', 'combine_svd'), { overrides: { deltaScaling: 'once' } });
    console.log(`combine_svd with the scaling counted once: max rel. error ${svdOnce.maxRelError.toExponential(2)}`);
    expect(svdOnce.maxRelError).toBeGreaterThan(0.1);
    const rescaled = await checkCombineCase(join(golden, 'peft', 'combine_dare_linear'), { overrides: { dareRescale: true } });
    console.log(`combine_dare_linear with 1/density rescaling: nearest-pattern max rel. error ${rescaled.maxRelError.toExponential(2)}`);
    expect(rescaled.maxRelError).toBeGreaterThan(0.1);
  });
});
