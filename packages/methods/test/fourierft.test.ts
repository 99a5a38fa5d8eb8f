import { Linear, Module, readSafetensors, tensor } from '@peftjs/core';
import { locateGoldenDir } from '@peftjs/conformance';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FourierFTConfig, frequencyCount, getPeftModel, realInverseDft2, spectrumPositions } from '../src/index.js';
import { useCpuBackend } from './cpu.js';
import { goldenCases } from './golden.js';

goldenCases(/fourierft/);

/** Re(IDFT2) of a sparse spectrum, straight from the definition, in float64. */
function directInverse(rows: number, cols: number, r: Int32Array, c: Int32Array, v: number[]): (m: number, n: number) => number {
  return (m, n) =>
    v.reduce((acc, vj, j) => acc + vj * Math.cos(2 * Math.PI * ((r[j]! * m) / rows + (c[j]! * n) / cols)), 0) / (rows * cols);
}

describe('FourierFT', () => {
  useCpuBackend();

  it('places the spectrum where PEFT does: torch.randperm replayed equals the golden indices', async () => {
    const { dir } = await locateGoldenDir();
    const extras = readSafetensors(await readFile(join(dir, 'peft/fourierft/extras.safetensors'))).tensors;
    for (const [name, out] of [
      ['q_proj', 16],
      ['v_proj', 16],
      ['up_proj', 32],
    ] as const) {
      const want = Array.from(extras.get(`base_model.model.${name}.indices.default`)!.data as BigInt64Array, Number);
      const { rows, cols } = spectrumPositions(out, 16, 24, 777);
      expect([...rows, ...cols]).toEqual(want);
    }
  });

  it('Re(IDFT2) from DFT columns matches the definition (float64), and stays accurate in float32 for large sizes', async () => {
    const r = Int32Array.from([0, 3, 4, 1]);
    const c = Int32Array.from([2, 0, 5, 6]);
    const v = [0.5, -1.25, 2, 0.75];
    const want = directInverse(5, 7, r, c, v);
    const got = realInverseDft2(tensor(v, { dtype: 'float64' }), 5, 7, r, c);
    const values = await got.data();
    for (let m = 0; m < 5; m++) for (let n = 0; n < 7; n++) expect(values[m * 7 + n]).toBeCloseTo(want(m, n), 14);
    got.dispose();
    // 3001 rows: index products up to 9·10⁶ are reduced exactly before the angle is formed
    const rBig = Int32Array.from([2999, 1234, 17]);
    const cBig = Int32Array.from([3, 40, 11]);
    const vBig = [1, -2, 0.5];
    const big = realInverseDft2(tensor(vBig), 3001, 41, rBig, cBig);
    const wantBig = directInverse(3001, 41, rBig, cBig, vBig);
    const bigValues = await big.data();
    let worst = 0;
    for (const m of [0, 1, 1500, 2999, 3000])
      for (let n = 0; n < 41; n++) worst = Math.max(worst, Math.abs(bigValues[m * 41 + n]! - wantBig(m, n)) * 3001 * 41);
    expect(worst).toBeLessThan(1e-5);
    big.dispose();
  });

  it('config: PEFT 0.18.1 defaults; n_frequency_pattern keys match after a dot, as PEFT', () => {
    const c = new FourierFTConfig({ targetModules: ['q'], nFrequencyPattern: { q: 10 } });
    expect(c.toJSON()).toMatchObject({
      n_frequency: 1000,
      scaling: 150,
      random_loc_seed: 777,
      init_weights: false,
      bias: 'none',
      n_frequency_pattern: { q: 10 },
    });
    expect(frequencyCount(c, 'layers.0.q')).toBe(10);
    expect(frequencyCount(c, 'q')).toBe(1000);
    expect(() => new FourierFTConfig({ targetModules: '.*q', layersToTransform: [0] })).toThrow(/layersToTransform.*regex/);
    expect(() => new FourierFTConfig({ nFrequencyPattern: { q: 0 } })).toThrow(/nFrequencyPattern\['q'\]/);
    expect(() => new FourierFTConfig({ bias: 'all' })).toThrow(/bias is not supported by peft.js/);
  });

  it('refuses more frequencies than entries, naming the module', () => {
    class Net extends Module {
      constructor() {
        super();
        this.registerModule('fc', new Linear(3, 2));
      }
      forward(): never {
        throw new Error('unused');
      }
    }
    expect(() => getPeftModel(new Net(), new FourierFTConfig({ targetModules: ['fc'], nFrequency: 7 }))).toThrow(
      /n_frequency\) 7 is more than the 2×3 entries of module 'fc'/,
    );
    expect(() => getPeftModel(new Net(), new FourierFTConfig({ targetModules: ['fc'], nFrequency: 2, randomLocSeed: null }))).toThrow(
      /randomLocSeed/,
    );
  });
});
