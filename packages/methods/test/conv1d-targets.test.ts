import { Conv1D, Linear, Module, manualSeed, tensor, tidy, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import {
  BOFTConfig,
  BoneConfig,
  DeloraConfig,
  HRAConfig,
  MissConfig,
  OFTConfig,
  RoadConfig,
  getPeftModel,
  type PeftModel,
  type PeftConfig,
} from '../src/index.js';
import { maxAbsDiff, useCpuBackend, values } from './unit.js';

/** One projection 8 → 12, as a Linear or as GPT-2's Conv1D holding the same weight transposed. */
class Proj extends Module {
  constructor(conv1d: boolean) {
    super();
    const linear = new Linear(8, 12, { dtype: 'float64' });
    if (!conv1d) {
      this.registerModule('proj', linear);
      return;
    }
    const conv = new Conv1D(12, 8, { dtype: 'float64' });
    const [w, b] = [tidy(() => linear.weight.transpose().contiguous()), linear.bias!.clone()];
    conv.weight.assign(w);
    conv.bias.assign(b);
    w.dispose();
    b.dispose();
    linear.dispose();
    this.registerModule('proj', conv);
  }
  forward(x: Tensor): Tensor {
    return this.child<Module>('proj').forward(x) as Tensor;
  }
}

describe('orthogonal methods on GPT-2 Conv1D targets', () => {
  useCpuBackend();

  const run = async (peft: PeftModel, x: Tensor) => {
    const y = tidy(() => peft.forward(x) as Tensor);
    const v = await values(y);
    y.dispose();
    return v;
  };

  const configs: [string, () => PeftConfig][] = [
    ['OFT', () => new OFTConfig({ targetModules: ['proj'], oftBlockSize: 4, initWeights: false })],
    ['BOFT', () => new BOFTConfig({ targetModules: ['proj'], boftBlockSize: 2, boftNButterflyFactor: 2, initWeights: false })],
    ['HRA', () => new HRAConfig({ targetModules: ['proj'], r: 3, initWeights: false })],
  ];
  for (const [name, config] of configs) {
    it(`${name}: a Conv1D target gives the Linear target's output, merged and unmerged`, async () => {
      const x = tensor(
        Array.from({ length: 16 }, (_, i) => Math.cos(i)),
        { shape: [2, 8], dtype: 'float64' },
      );
      const outputs: number[][] = [];
      for (const conv1d of [false, true]) {
        manualSeed(11);
        const base = new Proj(conv1d);
        manualSeed(12);
        const peft = getPeftModel(base, config());
        const weight = await values(base.stateDict().get('proj.base_layer.weight')!);
        const out = await run(peft, x);
        await peft.mergeAdapter();
        expect(maxAbsDiff(await run(peft, x), out)).toBeLessThan(1e-13);
        peft.unmergeAdapter();
        expect(maxAbsDiff(await values(base.stateDict().get('proj.base_layer.weight')!), weight)).toBeLessThan(1e-13);
        outputs.push(out);
        peft.dispose();
      }
      expect(maxAbsDiff(outputs[0]!, outputs[1]!)).toBeLessThan(1e-13);
      x.dispose();
    });
  }

  const linearOnly: [string, () => PeftConfig][] = [
    ['Bone', () => new BoneConfig({ targetModules: ['proj'], r: 2 })],
    ['MiSS', () => new MissConfig({ targetModules: ['proj'], r: 2 })],
    ['RoAd', () => new RoadConfig({ targetModules: ['proj'], groupSize: 4 })],
    ['DeLoRA', () => new DeloraConfig({ targetModules: ['proj'], r: 2 })],
  ];
  for (const [name, config] of linearOnly) {
    it(`${name} adapts Linear layers only, as PEFT`, () => {
      const base = new Proj(true);
      expect(() => getPeftModel(base, config())).toThrow(
        new RegExp(`${name}: cannot adapt module 'proj' of type Conv1D; supported: Linear`),
      );
      base.dispose();
    });
  }
});
