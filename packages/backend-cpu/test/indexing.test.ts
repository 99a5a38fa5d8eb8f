import { describe, expect, it } from 'vitest';
import { cpuKernels } from '../src/index.js';
import { tensor, values, view, zeros } from './helpers.js';

describe('gather', () => {
  // weight[r][c] = 10·r + c
  const weight = tensor([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32], [4, 3]);

  it('looks up rows for a 2-D index (embedding)', () => {
    const out = zeros([2, 2, 3]);
    cpuKernels.gather({ x: weight, indices: tensor([3, 0, 1, 3], [2, 2], 'int32'), axis: 0, out });
    expect(values(out)).toEqual([30, 31, 32, 0, 1, 2, 10, 11, 12, 30, 31, 32]);
  });

  it('selects along an inner axis', () => {
    const out = zeros([4, 2]);
    cpuKernels.gather({ x: weight, indices: tensor([2, 0], [2], 'int32'), axis: 1, out });
    expect(values(out)).toEqual([2, 0, 12, 10, 22, 20, 32, 30]);
  });

  it('reads strided x and indices', () => {
    const transposed = { ...weight, layout: { shape: [3, 4], strides: [1, 3], offset: 0 } };
    const indices = view([9, 2, 9, 1], 'int32', { shape: [2], strides: [2], offset: 1 });
    const out = zeros([2, 4]);
    cpuKernels.gather({ x: transposed, indices, axis: 0, out });
    expect(values(out)).toEqual([2, 12, 22, 32, 1, 11, 21, 31]);
  });
});

describe('scatterAdd', () => {
  it('adds rows in place, accumulating repeated indices', () => {
    const out = tensor(Array(8).fill(1), [4, 2]);
    cpuKernels.scatterAdd({ src: tensor([1, 2, 3, 4, 5, 6], [3, 2]), indices: tensor([1, 3, 1], [3], 'int32'), axis: 0, out });
    expect(values(out)).toEqual([1, 1, 1 + 1 + 5, 1 + 2 + 6, 1, 1, 1 + 3, 1 + 4]);
  });

  it('adds along an inner axis with a 2-D index', () => {
    const out = zeros([2, 3]);
    const src = tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    cpuKernels.scatterAdd({ src, indices: tensor([2, 2, 0, 2], [2, 2], 'int32'), axis: 1, out });
    expect(values(out)).toEqual([3, 0, 1 + 2 + 4, 7, 0, 5 + 6 + 8]);
  });

  it('accumulates float32 in float64 and rounds once', () => {
    // eight float32 additions of 1 to 1e8 would each round back to 1e8
    const out = tensor([1e8], [1], 'float32');
    cpuKernels.scatterAdd({ src: tensor(Array(8).fill(1), [8], 'float32'), indices: tensor(Array(8).fill(0), [8], 'int32'), axis: 0, out });
    expect(values(out)).toEqual([100000008]);
  });
});
