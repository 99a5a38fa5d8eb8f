import { tensor, tidy, type Linear, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { BoneConfig, BoneLayer, batDelta, chunkSum, getPeftModel, tiledDelta } from '../src/index.js';
import { goldenCases } from './golden.js';
import { SmallNet, maxAbsDiff, useCpuBackend, values } from './unit.js';

goldenCases(/bone/);

describe('Bone config', () => {
  it('validates fields and names them', () => {
    expect(() => new BoneConfig({ initWeights: 'mini' as never })).toThrow(
      /BoneConfig: initWeights \(init_weights\) must be true, false or 'bat', got "mini"/,
    );
    expect(() => new BoneConfig({ r: 0 })).toThrow(/BoneConfig: r must be >= 1, got 0/);
    expect(() => new BoneConfig({ targetModules: 'q', layersPattern: 'layers' })).toThrow(
      /BoneConfig: layersPattern cannot be used when targetModules is a regex string/,
    );
    expect(new BoneConfig({ init_weights: 'bat' } as never).toJSON()).toMatchObject({ peft_type: 'BONE', init_weights: 'bat', r: 64 });
  });
});

describe('Bone layer', () => {
  useCpuBackend();

  const f64 = (data: number[], shape: number[]) => tensor(data, { shape, dtype: 'float64' });
  const run = async (m: { forward(x: Tensor): unknown }, x: Tensor) => {
    const y = tidy(() => m.forward(x) as Tensor);
    const v = await values(y);
    y.dispose();
    return v;
  };

  it('sums zero-padded r-wide chunks of the input (hand-checked)', async () => {
    const s = tidy(() => chunkSum(f64([1, 2, 3, 4, 5], [1, 5]), 2));
    expect(await values(s)).toEqual([9, 6]);
    s.dispose();
  });

  it('its default ΔW repeats blockᵀ across the input columns (hand-checked)', async () => {
    const d = tidy(() => tiledDelta(f64([1, 2, 3, 4], [2, 2]), 3));
    expect(await values(d)).toEqual([1, 3, 1, 2, 4, 2]);
    d.dispose();
  });

  it('the bat ΔW of r = 1 blocks is W_ij·b_i + b_i (hand-checked)', async () => {
    const d = tidy(() => batDelta(f64([1, 2, 3, 4], [2, 2]), f64([10, 100], [2, 1, 1])));
    expect(await values(d)).toEqual([20, 30, 400, 500]);
    d.dispose();
  });

  for (const init of [false, 'bat'] as const) {
    it(`merges, unmerges and keeps the output (initWeights ${init}, r not dividing every layer)`, async () => {
      const peft = getPeftModel(
        new SmallNet(),
        new BoneConfig({ targetModules: ['up', 'down'], r: init === 'bat' ? 4 : 5, initWeights: init }),
      );
      if (init === 'bat') {
        for (const p of peft.trainableParameters()) {
          const v = tidy(() =>
            p.add(
              tensor(
                Array.from({ length: p.size }, (_, i) => Math.sin(i) / 3),
                { shape: p.shape, dtype: 'float64' },
              ),
            ),
          );
          p.assign(v);
          v.dispose();
        }
      }
      const base = (peft.getBaseModel().getSubmodule('down') as BoneLayer).baseLayer as Linear;
      const w = await values(base.weight);
      const x = f64(
        Array.from({ length: 16 }, (_, i) => Math.cos(i)),
        [2, 8],
      );
      const out = await run(peft, x);
      expect(maxAbsDiff(out, await peft.disableAdapter(() => run(peft, x)))).toBeGreaterThan(1e-3);
      await peft.mergeAdapter();
      expect(maxAbsDiff(await run(peft, x), out)).toBeLessThan(1e-13);
      peft.unmergeAdapter();
      expect(maxAbsDiff(await values(base.weight), w)).toBeLessThan(1e-13);
      expect(maxAbsDiff(await run(peft, x), out)).toBeLessThan(1e-13);
      x.dispose();
      peft.dispose();
    });
  }

  it("'bat' needs r to divide both dimensions", () => {
    const net = new SmallNet();
    expect(() => getPeftModel(net, new BoneConfig({ targetModules: ['up'], r: 3, initWeights: 'bat' }))).toThrow(
      /Bone: 'bat' needs r \(3\) to divide both dimensions of 'up' \[12, 8\]/,
    );
    net.dispose();
  });
});
