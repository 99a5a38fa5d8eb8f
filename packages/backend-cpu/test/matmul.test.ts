import { describe, expect, it } from 'vitest';
import { cpuKernels } from '../src/index.js';
import { tensor, values, view, zeros, type Info } from './helpers.js';

function runMatmul(a: Info, b: Info, transA: boolean, transB: boolean, outShape: number[]): number[] {
  const out = zeros(outShape, a.dtype);
  cpuKernels.matmul({ a, b, transA, transB, out });
  return values(out);
}

describe('matmul', () => {
  // [[1,2,3],[4,5,6]] @ [[7,8],[9,10],[11,12]] = [[58,64],[139,154]] (worked by hand)
  const c = [58, 64, 139, 154];
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = tensor([7, 8, 9, 10, 11, 12], [3, 2]);
  const aT = tensor([1, 4, 2, 5, 3, 6], [3, 2]);
  const bT = tensor([7, 9, 11, 8, 10, 12], [2, 3]);

  it('multiplies, with every combination of transpose flags', () => {
    expect(runMatmul(a, b, false, false, [2, 2])).toEqual(c);
    expect(runMatmul(aT, b, true, false, [2, 2])).toEqual(c);
    expect(runMatmul(a, bT, false, true, [2, 2])).toEqual(c);
    expect(runMatmul(aT, bT, true, true, [2, 2])).toEqual(c);
  });

  it('reads transposed views through their strides', () => {
    const aView = view([1, 4, 2, 5, 3, 6], 'float64', { shape: [2, 3], strides: [1, 2], offset: 0 });
    expect(runMatmul(aView, b, false, false, [2, 2])).toEqual(c);
  });

  it('broadcasts batch axes through stride 0', () => {
    // batch 0 uses a, batch 1 uses [[1,0,0],[0,1,0]]; b is shared (stride 0 on the batch axis)
    const batchedA = tensor([1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0], [2, 2, 3]);
    const sharedB = view([7, 8, 9, 10, 11, 12], 'float64', { shape: [2, 3, 2], strides: [0, 2, 1], offset: 0 });
    expect(runMatmul(batchedA, sharedB, false, false, [2, 2, 2])).toEqual([...c, 7, 8, 9, 10]);
    // a shared over a [2, 2] batch, b different per batch (scaled by 1, 2, 3, 4)
    const sharedA = view([1, 2, 3, 4, 5, 6], 'float64', { shape: [2, 2, 2, 3], strides: [0, 0, 3, 1], offset: 0 });
    const scaledB = tensor(
      [1, 2, 3, 4].flatMap((s) => [7, 8, 9, 10, 11, 12].map((v) => v * s)),
      [2, 2, 3, 2],
    );
    expect(runMatmul(sharedA, scaledB, false, false, [2, 2, 2, 2])).toEqual([1, 2, 3, 4].flatMap((s) => c.map((v) => v * s)));
  });

  it('accumulates float32 dot products in float64', () => {
    const x = tensor([1e8, 1, -1e8], [1, 3], 'float32');
    const ones = tensor([1, 1, 1], [3, 1], 'float32');
    expect(runMatmul(x, ones, false, false, [1, 1])).toEqual([1]);
  });
});
