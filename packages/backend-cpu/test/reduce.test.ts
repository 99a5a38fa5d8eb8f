import type { ReduceOp } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { cpuKernels } from '../src/index.js';
import { tensor, values, view, zeros, type Info } from './helpers.js';

function runReduce(op: ReduceOp, x: Info, axes: number[], dtype = x.dtype): number[] {
  const shape = x.layout.shape.filter((_, d) => !axes.includes(d));
  const out = zeros(shape, dtype);
  cpuKernels.reduce({ op, x, axes, out });
  return values(out);
}

describe('reduce', () => {
  // x[i][j][k] = (i + 1) · 100 + j · 10 + k² for a 2×3×4 tensor
  const xs: number[] = [];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) xs.push((i + 1) * 100 + j * 10 + k * k);
  const x = tensor(xs, [2, 3, 4]);
  const at = (i: number, j: number, k: number) => xs[(i * 3 + j) * 4 + k];

  it('sums over one, two and all axes', () => {
    const over02 = [0, 1, 2].map((j) => [0, 1].reduce((s, i) => s + [0, 1, 2, 3].reduce((t, k) => t + at(i, j, k), 0), 0));
    expect(runReduce('sum', x, [0, 2])).toEqual(over02);
    expect(over02).toEqual([1228, 1308, 1388]); // 4·(100 + 200) + 8·10j + 2·(0 + 1 + 4 + 9)
    expect(runReduce('sum', x, [1])).toEqual([0, 1].flatMap((i) => [0, 1, 2, 3].map((k) => at(i, 0, k) + at(i, 1, k) + at(i, 2, k))));
    expect(runReduce('sum', x, [0, 1, 2])).toEqual([xs.reduce((s, v) => s + v, 0)]);
  });

  it('max and min over the last axis, and over the first', () => {
    expect(runReduce('max', x, [2])).toEqual([109, 119, 129, 209, 219, 229]);
    expect(runReduce('min', x, [0])).toEqual(xs.slice(0, 12));
  });

  it('reads a transposed view', () => {
    // a 4×3 buffer seen as its 3×4 transpose
    const t = view([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'float32', { shape: [3, 4], strides: [1, 3], offset: 0 });
    expect(runReduce('sum', t, [1])).toEqual([1 + 4 + 7 + 10, 2 + 5 + 8 + 11, 3 + 6 + 9 + 12]);
    expect(runReduce('max', t, [0])).toEqual([3, 6, 9, 12]);
  });

  it('max and min propagate NaN wherever it sits', () => {
    const n = tensor([1, NaN, 3, 4, 5, 6, NaN, -1, 2], [3, 3]);
    expect(runReduce('max', n, [1])).toEqual([NaN, 6, NaN]);
    expect(runReduce('min', n, [1])).toEqual([NaN, 4, NaN]);
    expect(runReduce('max', tensor([-Infinity, -Infinity], [2]), [0])).toEqual([-Infinity]);
  });

  it('accumulates float32 sums in float64', () => {
    // sequential float32 addition would give 0: 1e8 + 1 rounds back to 1e8
    expect(runReduce('sum', tensor([1e8, 1, -1e8], [3], 'float32'), [0])).toEqual([1]);
  });

  it('sums int32 and bool into int32', () => {
    expect(runReduce('sum', tensor([5, -7, 2 ** 30], [3], 'int32'), [0])).toEqual([2 ** 30 - 2]);
    expect(runReduce('sum', tensor([1, 0, 1, 1], [4], 'bool'), [0], 'int32')).toEqual([3]);
  });
});

describe('argmax', () => {
  function runArgmax(x: Info, axis: number): number[] {
    const out = zeros(
      x.layout.shape.filter((_, d) => d !== axis),
      'int32',
    );
    cpuKernels.argmax({ x, axis, out });
    return values(out);
  }

  it('returns the first index of ties, along the last axis', () => {
    expect(runArgmax(tensor([1, 3, 3, 2, 5, 5, 5, 5, -1, -2, -3, -4], [3, 4]), 1)).toEqual([1, 0, 0]);
  });

  it('works along a middle axis', () => {
    // x[b][k][c], argmax over k
    const x = tensor([1, 9, 4, 9, 4, 0, 0, -1, -5, -1, 2, -3], [2, 3, 2]);
    expect(runArgmax(x, 1)).toEqual([1, 0, 2, 0]);
  });

  it('treats the first NaN as the maximum, and reads strided inputs', () => {
    expect(runArgmax(tensor([1, NaN, 5, NaN], [4]), 0)).toEqual([1]);
    const t = view([0, 7, 1, 2, 8, 3], 'float32', { shape: [3, 2], strides: [1, 3], offset: 0 });
    expect(runArgmax(t, 0)).toEqual([1, 1]);
  });
});
