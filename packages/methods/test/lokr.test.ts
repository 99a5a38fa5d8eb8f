import { Conv2d, Linear, Module, manualSeed, tensor, tidy, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { LoKrConfig, LoKrLayer, factorization, getPeftModel, kron } from '../src/index.js';
import { maxAbsDiff, useCpuBackend } from './cpu.js';
import { goldenCases } from './golden.js';

goldenCases(/lokr/);

describe('factorization (LyCORIS, as PEFT uses it)', () => {
  it('gives the documented splits', () => {
    expect(factorization(256)).toEqual([16, 16]);
    expect(factorization(128)).toEqual([8, 16]);
    expect(factorization(127)).toEqual([1, 127]);
    expect(factorization(128, 4)).toEqual([4, 32]);
    expect(factorization(32)).toEqual([4, 8]);
    expect(factorization(12, 5)).toEqual([3, 4]);
    expect(factorization(128, 64)).toEqual([64, 2]);
    expect(() => factorization(0)).toThrow(/dimension must be a positive integer/);
  });
});

describe('LoKr', () => {
  useCpuBackend();

  it('kron matches the definition', async () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([
      [0, 5, 1],
      [6, 7, 2],
    ]);
    const k = kron(a, b);
    expect(k.shape).toEqual([4, 6]);
    expect(await k.array()).toEqual([
      [0, 5, 1, 0, 10, 2],
      [6, 7, 2, 12, 14, 4],
      [0, 15, 3, 0, 20, 4],
      [18, 21, 6, 24, 28, 8],
    ]);
    for (const t of [a, b, k]) t.dispose();
  });

  it('config: PEFT 0.18.1 defaults; errors name the field', () => {
    expect(new LoKrConfig({}).toJSON()).toMatchObject({
      decompose_both: false,
      decompose_factor: -1,
      rank_dropout_scale: false,
      init_weights: true,
      r: 8,
      alpha: 8,
    });
    expect(new LoKrConfig({ initWeights: 'lycoris' }).initWeights).toBe('lycoris');
    expect(() => new LoKrConfig({ initWeights: 'gaussian' as 'lycoris' })).toThrow(
      /initWeights \(init_weights\) must be true, false or 'lycoris'/,
    );
    expect(() => new LoKrConfig({ decomposeFactor: 0 })).toThrow(/decomposeFactor/);
  });

  class Net extends Module {
    constructor() {
      super();
      this.registerModule('fc', new Linear(16, 32));
      this.registerModule('conv', new Conv2d(4, 6, 3, { padding: 1 }));
    }
    forward(x: Tensor): Tensor {
      return this.child<Linear>('fc').forward(x);
    }
  }

  it('picks full or factored W1/W2 like PEFT (decompose_both, small r), with a no-op init', async () => {
    manualSeed(1);
    const peft = getPeftModel(new Net(), new LoKrConfig({ targetModules: ['fc', 'conv'], r: 1, decomposeBoth: true }));
    const names = [...peft.namedParameters()]
      .filter(([, p]) => p.requiresGrad)
      .map(([n, p]) => `${n.replace('base_model.model.', '')} ${JSON.stringify(p.shape)}`);
    // fc: out 32 = 4·8, in 16 = 4·4; r = 1 < 4/2 → W1 = W1a W1b and W2 = W2a W2b
    // conv: out 6 = 2·3, in 4 = 2·2; r = 1 is not < 2/2 → full W1; r < 3/2 → W2 = W2a W2b over in·3·3
    expect(names.sort()).toEqual([
      'conv.lokr_w1.default [2,2]',
      'conv.lokr_w2_a.default [3,1]',
      'conv.lokr_w2_b.default [1,18]',
      'fc.lokr_w1_a.default [4,1]',
      'fc.lokr_w1_b.default [1,4]',
      'fc.lokr_w2_a.default [8,1]',
      'fc.lokr_w2_b.default [1,4]',
    ]);
    const conv = peft.getBaseModel().getSubmodule('conv') as LoKrLayer;
    const delta = conv.deltaWeight('default');
    expect(delta.shape).toEqual([6, 4, 3, 3]);
    expect((await delta.data()).every((v) => v === 0)).toBe(true);
    delta.dispose();
    peft.dispose();
  });

  it('adapts a Conv2d: the adapter adds conv2d(x, ΔW) and merging gives the same output', async () => {
    manualSeed(2);
    const peft = getPeftModel(new Net(), new LoKrConfig({ targetModules: ['conv'], r: 2, initWeights: false }));
    const conv = peft.getBaseModel().getSubmodule('conv') as LoKrLayer;
    const x = tensor(
      Array.from({ length: 2 * 4 * 5 * 5 }, (_, i) => Math.sin(i)),
      { shape: [2, 4, 5, 5] },
    );
    const y = tidy(() => conv.forward(x));
    const base = peft.disableAdapter(() => tidy(() => conv.forward(x)));
    expect(await maxAbsDiff(y, base)).toBeGreaterThan(1e-3);
    await peft.mergeAdapter();
    const merged = tidy(() => conv.forward(x));
    expect(await maxAbsDiff(merged, y)).toBeLessThan(1e-5);
    for (const t of [x, y, base, merged]) t.dispose();
    peft.dispose();
  });
});
