import { Linear, Module, manualSeed, memory, noGrad, tensor, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { LoHaConfig, getPeftModel } from '../src/index.js';
import { useCpuBackend } from './cpu.js';
import { goldenCases } from './golden.js';

goldenCases(/loha/);

class Two extends Module {
  constructor() {
    super();
    this.registerModule('fc', new Linear(8, 6));
  }
  forward(x: Tensor): Tensor {
    return this.child<Linear>('fc').forward(x);
  }
}

describe('LoHaConfig', () => {
  useCpuBackend();
  it('has PEFT 0.18.1 fields and defaults', () => {
    const json = new LoHaConfig({ targetModules: ['q'] }).toJSON();
    expect(json).toMatchObject({
      r: 8,
      alpha: 8,
      rank_dropout: 0,
      module_dropout: 0,
      init_weights: true,
      use_effective_conv2d: false,
      rank_pattern: {},
      alpha_pattern: {},
      peft_type: 'LOHA',
    });
  });

  it('names the field of a bad value', () => {
    expect(() => new LoHaConfig({ r: 0 })).toThrow(/LoHaConfig: r must be >= 1/);
    expect(() => new LoHaConfig({ rankDropout: 1.5 })).toThrow(/rankDropout must be <= 1/);
    expect(() => new LoHaConfig({ rankPattern: { q: 2.5 } })).toThrow(/rankPattern\['q'\]/);
    expect(() => new LoHaConfig({ layersPattern: 'layers' })).toThrow(/layersPattern.*layersToTransform/);
  });
});

describe('LoHa dropout in training', () => {
  useCpuBackend();
  const x = () => tensor([[1, 2, 3, 4, 5, 6, 7, 8]]);
  /** The adapter's part of the output, in training or eval mode. */
  async function adapterPart(peft: ReturnType<typeof getPeftModel>, input: Tensor, training: boolean): Promise<number[]> {
    peft.train(training);
    const base = peft.disableAdapter(() => peft.forward(input) as Tensor);
    const y = noGrad(() => peft.forward(input) as Tensor);
    const d = y.sub(base);
    const values = Array.from(await d.data());
    for (const t of [base, y, d]) t.dispose();
    return values;
  }

  it('module dropout 1 skips the adapter in training, never in eval', async () => {
    manualSeed(5);
    const peft = getPeftModel(new Two(), new LoHaConfig({ targetModules: ['fc'], r: 2, initWeights: false, moduleDropout: 1 }));
    const input = x();
    expect((await adapterPart(peft, input, true)).every((v) => v === 0)).toBe(true);
    expect((await adapterPart(peft, input, false)).some((v) => v !== 0)).toBe(true);
    peft.dispose();
    input.dispose();
  });

  it('rank dropout zeroes rows of ΔW and scales the rest by rows / kept, as PEFT', async () => {
    manualSeed(7);
    const peft = getPeftModel(new Two(), new LoHaConfig({ targetModules: ['fc'], r: 2, initWeights: false, rankDropout: 0.5 }));
    const input = x();
    const full = await adapterPart(peft, input, false);
    const before = memory().numTensors;
    const dropped = await adapterPart(peft, input, true);
    expect(memory().numTensors).toBe(before);
    const kept = dropped.map((v, i) => [v, full[i]!] as const).filter(([v]) => v !== 0);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(6);
    for (const [v, f] of kept) expect(v / f).toBeCloseTo(6 / kept.length, 4);
    peft.dispose();
    input.dispose();
  });
});
