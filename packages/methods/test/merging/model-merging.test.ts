import '@peftjs/backend-cpu';
import { dispose, memory, setBackend, tensor, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { breadcrumbsMerge, dareMerge, magnitudePrune, taskArithmetic, tiesMerge, type StateDict } from '../../src/merging/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

type Spec = Record<string, { values: number[]; shape?: number[]; dtype?: 'float32' | 'float64' | 'int32' }>;
const state = (spec: Spec): Map<string, Tensor> =>
  new Map(
    Object.entries(spec).map(([k, v]) => [k, tensor(v.values, { shape: v.shape ?? [v.values.length], dtype: v.dtype ?? 'float64' })]),
  );
const read = async (s: StateDict) =>
  Object.fromEntries(await Promise.all([...s].map(async ([k, t]) => [k, [...(await t.data())]] as const)));
const release = (...states: StateDict[]) => dispose(states.flatMap((s) => [...s.values()]));

describe('whole-model merging', () => {
  it('TIES on three fine-tuned models, computed by hand', async () => {
    const before = memory().numTensors;
    const base = state({ w: { values: [1, 1, 1, 1] }, step: { values: [7], dtype: 'int32' } });
    // task vectors [1,-2,0.5,3], [-0.5,-1,2,-1.5], [0.25,3,-1.5,0.1] (see the task-tensor test)
    const models = [
      [1, -2, 0.5, 3],
      [-0.5, -1, 2, -1.5],
      [0.25, 3, -1.5, 0.1],
    ].map((tau, i) => state({ w: { values: tau.map((x) => 1 + x) }, step: { values: [i], dtype: 'int32' } }));
    const merged = await tiesMerge(base, models, { density: 0.5, weights: [0.5, 1, 2], scalingCoef: 0.5 });
    const got = await read(merged);
    expect(got.w).toEqual([1, 1 + 0.5 * 6, 1 + 0.5 * 2, 1 + 0.5 * 1.5]);
    expect(got.step).toEqual([7]); // integer tensors come from the base
    expect(merged.get('step')!.dtype).toBe('int32');
    release(base, ...models, merged);
    expect(memory().numTensors).toBe(before);
  });

  it('task arithmetic: one model with coefficient 1 gives that model back; weights and λ scale the task vectors', async () => {
    const base = state({ a: { values: [1, 2, 3, 4], shape: [2, 2] }, b: { values: [0.5] } });
    const ft1 = state({ a: { values: [2, 2, 1, 5], shape: [2, 2] }, b: { values: [1.5] } });
    const ft2 = state({ a: { values: [1, 0, 3, 4], shape: [2, 2] }, b: { values: [-0.5] } });
    const same = await taskArithmetic(base, [ft1]);
    expect(await read(same)).toEqual(await read(ft1));
    expect(same.get('a')!.shape).toEqual([2, 2]);
    const mixed = await taskArithmetic(base, [ft1, ft2], { weights: [1, 0.5], scalingCoef: 2 });
    // a: 1 + 2(1·1 + 0.5·0), 2 + 2(0 + 0.5·−2), 3 + 2(−2 + 0), 4 + 2(1 + 0); b: 0.5 + 2(1 − 0.5)
    expect(await read(mixed)).toEqual({ a: [3, 0, -1, 6], b: [1.5] });
    // negative weights subtract a task (forgetting by negation)
    const negated = await taskArithmetic(base, [ft1], { weights: [-1] });
    expect((await read(negated)).a).toEqual([0, 2, 5, 3]);
    release(base, ft1, ft2, same, mixed, negated);
  });

  it('DARE with density 1 equals task arithmetic; a seed makes it reproducible; rescaling keeps the expectation', async () => {
    const n = 4000;
    const base = state({ w: { values: new Array(n).fill(0), dtype: 'float32' } });
    const ft = [
      state({ w: { values: Array.from({ length: n }, (_, i) => 1 + (i % 3)), dtype: 'float32' } }),
      state({ w: { values: new Array(n).fill(2), dtype: 'float32' } }),
    ];
    const linear = await taskArithmetic(base, ft, { weights: [0.5, 0.25] });
    for (const method of ['linear', 'ties'] as const) {
      const dense = await dareMerge(base, ft, { density: 1, weights: [0.5, 0.25], method, seed: 3 });
      if (method === 'linear') expect(await read(dense)).toEqual(await read(linear));
      release(dense);
    }
    const a = await dareMerge(base, ft, { density: 0.25, seed: 42, weights: [0.5, 0.25] });
    const b = await dareMerge(base, ft, { density: 0.25, seed: 42, weights: [0.5, 0.25] });
    const c = await dareMerge(base, ft, { density: 0.25, seed: 43, weights: [0.5, 0.25] });
    const [va, vb, vc, vl] = [(await read(a)).w, (await read(b)).w, (await read(c)).w, (await read(linear)).w];
    expect(va).toEqual(vb);
    expect(va).not.toEqual(vc);
    const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(Math.abs(mean(va) / mean(vl) - 1)).toBeLessThan(0.05);
    // every entry is a sum of kept task entries divided by the density
    const x = (await read(ft[0])).w;
    const allowed = (i: number) => [0, (0.5 * x[i]) / 0.25, (0.25 * 2) / 0.25, (0.5 * x[i] + 0.25 * 2) / 0.25];
    expect(va.every((v, i) => allowed(i).some((w) => Math.abs(v - w) < 1e-5))).toBe(true);
    release(base, ...ft, linear, a, b, c);
  });

  it('magnitude prune keeps the top density of each task vector; breadcrumbs also drop the outliers', async () => {
    const base = state({ w: { values: new Array(10).fill(1) } });
    const ft = state({ w: { values: [10, -9, 8, 7, -6, 5, 4, 3, 2, 1].map((x) => 1 + x) } });
    const pruned = await magnitudePrune(base, [ft], { density: 0.3 });
    expect((await read(pruned)).w).toEqual([11, -8, 9, 1, 1, 1, 1, 1, 1, 1]);
    const crumbs = await breadcrumbsMerge(base, [ft], { density: 0.3, gamma: 0.2 });
    expect((await read(crumbs)).w).toEqual([1, 1, 9, 8, -5, 1, 1, 1, 1, 1]);
    release(base, ft, pruned, crumbs);
  });

  it('names the function, the key and both shapes when models do not match', async () => {
    const base = state({ a: { values: [1, 2] }, b: { values: [1] } });
    const wrongShape = state({ a: { values: [1, 2, 3] }, b: { values: [1] } });
    const missing = state({ a: { values: [1, 2] } });
    const extra = state({ a: { values: [1, 2] }, b: { values: [1] }, c: { values: [0] } });
    const wrongType = state({ a: { values: [1, 2], dtype: 'float32' }, b: { values: [1] } });
    await expect(taskArithmetic(base, [base, wrongShape])).rejects.toThrow(
      'taskArithmetic: "a" is float64 [2] in base but float64 [3] in finetuned[1]',
    );
    await expect(tiesMerge(base, [missing], { density: 0.5 })).rejects.toThrow(
      'tiesMerge: finetuned[0] lacks "b" (base has it, float64 [1])',
    );
    await expect(dareMerge(base, [extra], { density: 0.5 })).rejects.toThrow('dareMerge: finetuned[0] has "c", which base lacks');
    await expect(magnitudePrune(base, [wrongType], { density: 0.5 })).rejects.toThrow(
      'magnitudePrune: "a" is float64 [2] in base but float32 [2] in finetuned[0]',
    );
    await expect(tiesMerge(base, [base], { density: 0 })).rejects.toThrow('tiesMerge: density must be a number in (0, 1], got 0');
    await expect(dareMerge(base, [base], { density: 1.01 })).rejects.toThrow('dareMerge: density must be a number in (0, 1], got 1.01');
    await expect(breadcrumbsMerge(base, [base], { density: 0.9, gamma: 0.2 })).rejects.toThrow(
      'breadcrumbsMerge: gamma must be in [0, 1 - density], got gamma 0.2 with density 0.9',
    );
    await expect(taskArithmetic(base, [base], { weights: [1, 2] })).rejects.toThrow(
      'taskArithmetic: weights must have one number per model (1), got 2',
    );
    await expect(taskArithmetic(base, [])).rejects.toThrow('taskArithmetic: finetuned must be a non-empty array of state dicts');
    await expect(dareMerge(base, [base], { density: 0.5, method: 'slerp' as never })).rejects.toThrow(
      "dareMerge: method must be 'linear' or 'ties', got slerp",
    );
    release(base, wrongShape, missing, extra, wrongType);
  });

  it('leaves no tensors behind, float32 stays float32, inputs stay usable', async () => {
    const base = state({ w: { values: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6], shape: [2, 3], dtype: 'float32' } });
    const ft = [1, 2, 3].map((s) => state({ w: { values: [0.2, -0.1, 0.3 * s, -0.4, 0.5, 0.6 * s], shape: [2, 3], dtype: 'float32' } }));
    const before = memory().numTensors;
    const results = [
      await taskArithmetic(base, ft),
      await tiesMerge(base, ft, { density: 0.5, majoritySignMethod: 'frequency' }),
      await dareMerge(base, ft, { density: 0.5, seed: 1, method: 'ties' }),
      await magnitudePrune(base, ft, { density: 0.5 }),
      await breadcrumbsMerge(base, ft, { density: 0.5, gamma: 0.1 }),
    ];
    expect(memory().numTensors).toBe(before + results.length);
    for (const r of results) expect(r.get('w')!.dtype).toBe('float32');
    release(...results);
    expect(memory().numTensors).toBe(before);
    expect((await read(base)).w.length).toBe(6);
    release(base, ...ft);
  });
});
