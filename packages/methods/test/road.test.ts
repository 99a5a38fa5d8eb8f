import { tensor, tidy, type Linear, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { RoadConfig, RoadLayer, applyRoad, getPeftModel, roadColumns } from '../src/index.js';
import { goldenCases } from './golden.js';
import { SmallNet, maxAbsDiff, useCpuBackend, values } from './unit.js';

goldenCases(/road/);

describe('RoAd config', () => {
  it('validates fields and writes only the fields PEFT has', () => {
    expect(() => new RoadConfig({ variant: 'road_3' as never })).toThrow(/RoadConfig: variant must be one of "road_1", "road_2", "road_4"/);
    expect(() => new RoadConfig({ groupSize: 5 })).toThrow(/RoadConfig: groupSize \(group_size\) must be even, got 5/);
    expect(() => new RoadConfig({ excludeModules: null } as never)).toThrow(/RoadConfig: unknown field excludeModules/);
    const c = new RoadConfig({ group_size: 8 } as never);
    expect(c.excludeModules).toBeNull();
    expect(Object.keys(c.toJSON()).sort()).toEqual([
      'auto_mapping',
      'base_model_name_or_path',
      'group_size',
      'inference_mode',
      'init_weights',
      'modules_to_save',
      'peft_type',
      'revision',
      'target_modules',
      'task_type',
      'variant',
    ]);
    expect(c.with({ variant: 'road_4' }).variant).toBe('road_4');
  });
});

describe('RoAd layer', () => {
  useCpuBackend();

  const f64 = (data: number[], shape: number[]) => tensor(data, { shape, dtype: 'float64' });

  it('rotates output pair (i, i + g/2) by θ and scales it by α (hand-checked, road_2)', async () => {
    const y = tidy(() => {
      const [c1, c2] = roadColumns('road_2', 2, f64([Math.PI / 2, 0], [2]), f64([1, 3], [2]));
      return applyRoad(c1, c2, 2, f64([5, 7], [1, 2]));
    });
    // y₀' = α₀(cos θ₀ y₀ − sin θ₀ y₁) = −7; y₁' = α₁(cos θ₁ y₁ + sin θ₁ y₀) = 21
    expect(maxAbsDiff(await values(y), [-7, 21])).toBeLessThan(1e-15);
    y.dispose();
  });

  it('road_1 shares each angle between the two halves of its group; road_4 has separate cos and sin angles', async () => {
    const [a, b] = tidy(() => roadColumns('road_1', 4, f64([0.1, 0.2], [2]), f64([2, 3], [2])));
    expect(maxAbsDiff(await values(a), [2 * Math.cos(0.1), 3 * Math.cos(0.2), 2 * Math.cos(0.1), 3 * Math.cos(0.2)])).toBeLessThan(1e-15);
    expect(maxAbsDiff(await values(b), [2 * Math.sin(0.1), 3 * Math.sin(0.2), 2 * Math.sin(0.1), 3 * Math.sin(0.2)])).toBeLessThan(1e-15);
    a.dispose();
    b.dispose();
    const [c, d] = tidy(() => roadColumns('road_4', 2, f64([0.1, 0.2, 0.3, 0.4], [4]), f64([1, 2, 3, 4], [4])));
    expect(maxAbsDiff(await values(c), [Math.cos(0.1), 2 * Math.cos(0.2)])).toBeLessThan(1e-15);
    expect(maxAbsDiff(await values(d), [3 * Math.sin(0.3), 4 * Math.sin(0.4)])).toBeLessThan(1e-15);
    c.dispose();
    d.dispose();
  });

  for (const variant of ['road_1', 'road_2', 'road_4'] as const) {
    it(`${variant}: merges R·W and R·b, and unmerges with R⁻¹`, async () => {
      const peft = getPeftModel(
        new SmallNet(),
        new RoadConfig({ targetModules: ['up', 'down'], variant, groupSize: 4, initWeights: false }),
      );
      const layer = peft.getBaseModel().getSubmodule('up') as RoadLayer;
      expect(layer.roadTheta.at('default').shape).toEqual([{ road_1: 6, road_2: 12, road_4: 24 }[variant]]);
      const base = layer.baseLayer as Linear;
      const [w, b] = [await values(base.weight), await values(base.bias!)];
      const x = f64(
        Array.from({ length: 16 }, (_, i) => Math.sin(i)),
        [2, 8],
      );
      const run = async () => {
        const y = tidy(() => peft.forward(x) as Tensor);
        const v = await values(y);
        y.dispose();
        return v;
      };
      const out = await run();
      await peft.mergeAdapter();
      expect(maxAbsDiff(await values(base.bias!), b)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(await run(), out)).toBeLessThan(1e-12);
      peft.unmergeAdapter();
      expect(maxAbsDiff(await values(base.weight), w)).toBeLessThan(1e-12);
      expect(maxAbsDiff(await values(base.bias!), b)).toBeLessThan(1e-12);
      x.dispose();
      peft.dispose();
    });
  }

  it('needs groupSize to divide the outputs', () => {
    const net = new SmallNet();
    expect(() => getPeftModel(net, new RoadConfig({ targetModules: ['up'], groupSize: 8 }))).toThrow(
      /RoAd: groupSize 8 must divide out_features 12 of 'up'/,
    );
    net.dispose();
  });
});
