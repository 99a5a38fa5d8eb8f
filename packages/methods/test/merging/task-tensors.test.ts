import '@peftjs/backend-cpu';
import { dispose, Generator, memory, setBackend, tensor, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { breadcrumbsMask, magnitudeMask, mergeTaskTensors } from '../../src/merging/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const vec = (values: number[], dtype: 'float32' | 'float64' = 'float64') => tensor(values, { dtype });
const values = async (t: Tensor) => [...(await t.data())];

describe('mergeTaskTensors', () => {
  it('TIES on three vectors, computed by hand', async () => {
    const before = memory().numTensors;
    const ts = [vec([1, -2, 0.5, 3]), vec([-0.5, -1, 2, -1.5]), vec([0.25, 3, -1.5, 0.1])];
    // density 0.5 keeps 2 of 4 per vector: [0,-2,0,3], [0,0,2,-1.5], [0,3,-1.5,0]
    // total per entry: 0 (+), 1 (+), 0.5 (+), 1.5 (+); agreeing: none, only τ3, only τ2, only τ1
    const merged = await mergeTaskTensors(ts, [0.5, 1, 2], 'ties', { density: 0.5 });
    expect(await values(merged)).toEqual([0, 2 * 3, 1 * 2, 0.5 * 3]);
    // magnitude_prune is the weighted sum of the pruned vectors
    const pruned = await mergeTaskTensors(ts, [0.5, 1, 2], 'magnitude_prune', { density: 0.5 });
    expect(await values(pruned)).toEqual([0, 0.5 * -2 + 2 * 3, 1 * 2 + 2 * -1.5, 0.5 * 3 + 1 * -1.5]);
    dispose([...ts, merged, pruned]);
    expect(memory().numTensors).toBe(before);
  });

  it("TIES sign election: 'total' follows the mass, 'frequency' the count (averaging the agreeing entries)", async () => {
    const ts = [vec([5, 1]), vec([-1, 2]), vec([-1, -4])];
    // entry 0: total 3 (+) keeps 5; frequency −1 (−) keeps −1, −1 → mean −1
    // entry 1: total −1 (−) keeps −4; frequency +1 (+) keeps 1, 2 → mean 1.5
    const total = await mergeTaskTensors(ts, [1, 1, 1], 'ties', { density: 1, majoritySignMethod: 'total' });
    const frequency = await mergeTaskTensors(ts, [1, 1, 1], 'ties', { density: 1, majoritySignMethod: 'frequency' });
    expect(await values(total)).toEqual([5, -4]);
    expect(await values(frequency)).toEqual([-1, 1.5]);
    dispose([...ts, total, frequency]);
  });

  it('linear is the weighted sum, in the inputs dtype', async () => {
    const ts = [vec([1, 2], 'float32'), vec([3, -4], 'float32')];
    const merged = await mergeTaskTensors(ts, [2, 0.5], 'linear');
    expect(merged.dtype).toBe('float32');
    expect(await values(merged)).toEqual([3.5, 2]);
    dispose([...ts, merged]);
  });

  it('DARE: density 1 equals linear; masks come from the seeded generator; kept entries are rescaled', async () => {
    const n = 20000;
    const x = vec(Array.from({ length: n }, (_, i) => 1 + (i % 7)));
    const y = vec(Array.from({ length: n }, (_, i) => -2 + (i % 5)));
    const linear = await mergeTaskTensors([x, y], [0.3, 0.7], 'linear');
    const dense = await mergeTaskTensors([x, y], [0.3, 0.7], 'dare_linear', { density: 1, generator: new Generator(1) });
    expect(await values(dense)).toEqual(await values(linear));

    const one = await mergeTaskTensors([x], [1], 'dare_linear', { density: 0.3, generator: new Generator(7) });
    const again = await mergeTaskTensors([x], [1], 'dare_linear', { density: 0.3, generator: new Generator(7) });
    const plain = await mergeTaskTensors([x], [1], 'dare_linear', { density: 0.3, generator: new Generator(7), rescale: false });
    const [a, b, p, xs] = [await values(one), await values(again), await values(plain), await values(x)];
    expect(a).toEqual(b);
    let kept = 0;
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      if (a[i] !== 0) {
        kept++;
        if (Math.abs(a[i] - xs[i] / 0.3) > 1e-12 || p[i] !== xs[i]) wrong++;
      } else if (p[i] !== 0) wrong++;
    }
    expect(wrong).toBe(0);
    expect(kept / n).toBeGreaterThan(0.28);
    expect(kept / n).toBeLessThan(0.32);
    dispose([x, y, linear, dense, one, again, plain]);
  });

  it('magnitude masks keep exactly round-down(density·n) entries, earlier ones first among equals', async () => {
    const t = vec([1, -1, 1, 1, 0.5]);
    const mask = await magnitudeMask(t, 0.5); // k = 2
    expect(await values(mask)).toEqual([1, 1, 0, 0, 0]);
    const m2 = tensor(
      [
        [3, -4],
        [0.1, 2],
      ],
      { dtype: 'float32' },
    );
    const mask2 = await magnitudeMask(m2, 0.5);
    expect(mask2.shape).toEqual([2, 2]);
    expect(mask2.dtype).toBe('float32');
    expect(await values(mask2)).toEqual([1, 1, 0, 0]);
    dispose([t, mask, m2, mask2]);
  });

  it('breadcrumbs drop the largest gamma fraction and keep the next density fraction', async () => {
    const t = vec([10, -9, 8, 7, -6, 5, 4, 3, 2, 1]);
    const mask = await breadcrumbsMask(t, 0.5, 0.1);
    expect(await values(mask)).toEqual([0, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    const merged = await mergeTaskTensors([t], [2], 'breadcrumbs', { density: 0.5, gamma: 0.1 });
    expect(await values(merged)).toEqual([0, -18, 16, 14, -12, 10, 0, 0, 0, 0]);
    // equal magnitudes straddling both cut points
    const flat = vec([2, 2, 2, 1, 1, 1]);
    expect(await values(await breadcrumbsMask(flat, 0.5, 1 / 3))).toEqual([0, 0, 1, 1, 1, 0]);
    dispose([t, mask, merged, flat]);
  });

  it('rejects bad density, weights, shapes and methods by name', async () => {
    const [a, b] = [vec([1, 2]), vec([1, 2, 3])];
    await expect(mergeTaskTensors([a, a], [1, 1], 'ties', { density: 0 })).rejects.toThrow(
      'mergeTaskTensors: density must be a number in (0, 1], got 0',
    );
    await expect(mergeTaskTensors([a, a], [1, 1], 'ties', { density: 1.5 })).rejects.toThrow('got 1.5');
    await expect(mergeTaskTensors([a, a], [1, 1], 'ties', {})).rejects.toThrow('density must be a number in (0, 1], got undefined');
    await expect(mergeTaskTensors([a, b], [1, 1], 'linear')).rejects.toThrow(
      'mergeTaskTensors: tensors[1] is float64 [3] but tensors[0] is float64 [2]',
    );
    await expect(mergeTaskTensors([a, a], [1], 'linear')).rejects.toThrow('mergeTaskTensors: 2 tensors but 1 weights');
    await expect(mergeTaskTensors([a], [Number.NaN], 'linear')).rejects.toThrow('weights[0] must be a finite number, got NaN');
    await expect(mergeTaskTensors([a], [1], 'slerp' as never)).rejects.toThrow('unknown merge method slerp');
    await expect(mergeTaskTensors([a], [1], 'breadcrumbs', { density: 0.6, gamma: 0.5 })).rejects.toThrow(
      'gamma must be in [0, 1 - density]',
    );
    await expect(mergeTaskTensors([a], [1], 'ties', { density: 0.5, majoritySignMethod: 'max' as never })).rejects.toThrow(
      "majoritySignMethod must be 'total' or 'frequency', got max",
    );
    dispose([a, b]);
  });
});
