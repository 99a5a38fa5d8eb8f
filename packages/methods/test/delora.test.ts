import { sum, tensor, tidy, type Linear, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { DeloraConfig, DeloraLayer, getPeftModel } from '../src/index.js';
import { goldenCases } from './golden.js';
import { SmallNet, maxAbsDiff, useCpuBackend, values } from './unit.js';

goldenCases(/delora/);

describe('DeLoRA config', () => {
  it('validates fields and names them', () => {
    expect(() => new DeloraConfig({ rankPattern: { up: 0 } })).toThrow(
      /DeloraConfig: rankPattern\['up'\] must be a positive integer, got 0/,
    );
    expect(() => new DeloraConfig({ bias: 'lora_only' as never })).toThrow(
      /DeloraConfig: bias must be one of "none", "all", "delora_only"/,
    );
    expect(() => new DeloraConfig({ lambdaPattern: { up: 'big' } as never })).toThrow(
      /DeloraConfig: lambdaPattern must be an object of names to numbers/,
    );
    expect(new DeloraConfig({ lambda_pattern: { up: 3 } } as never).toJSON()).toMatchObject({
      peft_type: 'DELORA',
      delora_lambda: 15,
      lambda_pattern: { up: 3 },
      rank_pattern: {},
      r: 8,
    });
  });
});

describe('DeLoRA layer', () => {
  useCpuBackend();

  const x = () =>
    tensor(
      Array.from({ length: 16 }, (_, i) => Math.sin(i)),
      { shape: [2, 8], dtype: 'float64' },
    );

  it("starts as the base model, with λ and the base weight's column norms captured (per-module patterns applied)", async () => {
    const peft = getPeftModel(
      new SmallNet(),
      new DeloraConfig({ targetModules: ['up', 'down'], r: 4, rankPattern: { down: 2 }, lambdaPattern: { down: 3 } }),
    );
    const up = peft.getBaseModel().getSubmodule('up') as DeloraLayer;
    const down = peft.getBaseModel().getSubmodule('down') as DeloraLayer;
    expect([up.r.get('default'), down.r.get('default')]).toEqual([4, 2]);
    expect([await values(up.deloraLambda.at('default')), await values(down.deloraLambda.at('default'))]).toEqual([[15], [3]]);
    const w = await values((up.baseLayer as Linear).weight);
    const norms = Array.from({ length: 8 }, (_, j) => Math.hypot(...Array.from({ length: 12 }, (_, i) => w[i * 8 + j]!)));
    expect(maxAbsDiff(await values(up.deloraWNorm.at('default')), norms)).toBeLessThan(1e-14);
    const input = x();
    const y = tidy(() => peft.forward(input) as Tensor);
    const base = tidy(() => peft.disableAdapter(() => peft.forward(input) as Tensor));
    expect(maxAbsDiff(await values(y), await values(base))).toBe(0);
    // B = 0 at first: the clamped norms keep every gradient finite (A's is zero, B's is not)
    tidy(() => sum(y.square()).backward());
    const gradA = await values(up.deloraA.at('default').grad!);
    const gradB = await values(up.deloraB.at('default').grad!);
    expect(gradA.every((g) => g === 0)).toBe(true);
    expect(gradB.every(Number.isFinite) && gradB.some((g) => g !== 0)).toBe(true);
    for (const t of [input, y, base]) t.dispose();
    for (const p of peft.parameters()) p.grad = null;
    peft.dispose();
  });

  it('bounds the update: ‖ΔW·diag(1/‖W_{:,j}‖)‖_F ≤ λ, with equality for one component', async () => {
    for (const r of [1, 4]) {
      const peft = getPeftModel(new SmallNet(), new DeloraConfig({ targetModules: ['up'], r, initWeights: false, deloraLambda: 2.5 }));
      const layer = peft.getBaseModel().getSubmodule('up') as DeloraLayer;
      const delta = layer.deltaWeight('default');
      const [d, wn] = [await values(delta), await values(layer.deloraWNorm.at('default'))];
      const frobenius = Math.hypot(...d.map((v, i) => v / wn[i % 8]!));
      if (r === 1) expect(frobenius).toBeCloseTo(2.5, 12);
      else expect(frobenius).toBeLessThanOrEqual(2.5);
      delta.dispose();
      peft.dispose();
    }
  });

  it('merges W + ΔW and unmerges', async () => {
    const peft = getPeftModel(new SmallNet(), new DeloraConfig({ targetModules: ['up', 'down'], r: 3, initWeights: false }));
    const base = (peft.getBaseModel().getSubmodule('down') as DeloraLayer).baseLayer as Linear;
    const w = await values(base.weight);
    const input = x();
    const run = async () => {
      const y = tidy(() => peft.forward(input) as Tensor);
      const v = await values(y);
      y.dispose();
      return v;
    };
    const out = await run();
    await peft.mergeAdapter();
    expect(maxAbsDiff(await run(), out)).toBeLessThan(1e-12);
    peft.unmergeAdapter();
    expect(maxAbsDiff(await values(base.weight), w)).toBeLessThan(1e-13);
    input.dispose();
    peft.dispose();
  });
});
