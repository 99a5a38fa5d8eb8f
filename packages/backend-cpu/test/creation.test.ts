import { describe, expect, it } from 'vitest';
import { cpuKernels } from '../src/index.js';
import { tensor, values, view, zeros } from './helpers.js';

describe('fill and arange', () => {
  it('fill stores the value in the output dtype', () => {
    const f32 = zeros([2, 2], 'float32');
    cpuKernels.fill({ out: f32, value: 1.1 });
    expect(values(f32)).toEqual(Array(4).fill(Math.fround(1.1)));
    const i32 = zeros([3], 'int32');
    cpuKernels.fill({ out: i32, value: -3.9 });
    expect(values(i32)).toEqual([-3, -3, -3]);
    const flags = zeros([2], 'bool');
    cpuKernels.fill({ out: flags, value: 5 });
    expect(values(flags)).toEqual([1, 1]);
  });

  it('arange writes start + j·step', () => {
    const out = zeros([4]);
    cpuKernels.arange({ out, start: 1, step: 0.5 });
    expect(values(out)).toEqual([1, 1.5, 2, 2.5]);
    const ints = zeros([4], 'int32');
    cpuKernels.arange({ out: ints, start: 10, step: -3 });
    expect(values(ints)).toEqual([10, 7, 4, 1]);
  });
});

describe('copy', () => {
  it('copies a transposed view into a window of a larger buffer', () => {
    const src = view([0, 1, 2, 3, 4, 5], 'float32', { shape: [3, 2], strides: [1, 3], offset: 0 });
    const dst = view(Array(16).fill(-1), 'float32', { shape: [3, 2], strides: [4, 1], offset: 5 });
    cpuKernels.copy({ src, dst });
    // prettier-ignore
    expect(Array.from(dst.storage.data)).toEqual([
      -1, -1, -1, -1,
      -1,  0,  3, -1,
      -1,  1,  4, -1,
      -1,  2,  5, -1,
    ]);
  });

  it('copies a broadcast (stride 0) source', () => {
    const src = view([7, 8], 'int32', { shape: [3, 2], strides: [0, 1], offset: 0 });
    const dst = zeros([3, 2], 'int32');
    cpuKernels.copy({ src, dst });
    expect(values(dst)).toEqual([7, 8, 7, 8, 7, 8]);
  });

  it('handles overlapping windows of one buffer', () => {
    const buffer = tensor([1, 2, 3, 4, 5], [5]);
    const src = { ...buffer, layout: { shape: [4], strides: [1], offset: 0 } };
    const dst = { ...buffer, layout: { shape: [4], strides: [1], offset: 1 } };
    cpuKernels.copy({ src, dst });
    expect(Array.from(buffer.storage.data)).toEqual([1, 1, 2, 3, 4]);
  });

  it('rejects different dtypes', () => {
    expect(() => cpuKernels.copy({ src: zeros([2], 'float32'), dst: zeros([2], 'float64') })).toThrow(/copy/);
  });
});

describe('cast', () => {
  it('float to int32 truncates toward zero', () => {
    const out = zeros([5], 'int32');
    cpuKernels.cast({ x: tensor([-2.7, -0.5, 0, 2.7, 7.99], [5]), out });
    expect(values(out)).toEqual([-2, 0, 0, 2, 7]);
  });

  it('to bool is x != 0 (NaN is true)', () => {
    const out = zeros([5], 'bool');
    cpuKernels.cast({ x: tensor([0, -0, NaN, 0.5, -3], [5]), out });
    expect(values(out)).toEqual([0, 0, 1, 1, 1]);
  });

  it('rounds float64 to float32, widens bool and int32, reads strided inputs', () => {
    const f32 = zeros([2], 'float32');
    cpuKernels.cast({ x: tensor([0.1, 1 / 3], [2]), out: f32 });
    expect(values(f32)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    const fromBool = zeros([3], 'float64');
    cpuKernels.cast({ x: tensor([1, 0, 1], [3], 'bool'), out: fromBool });
    expect(values(fromBool)).toEqual([1, 0, 1]);
    const broadcast = view([-4, 6], 'int32', { shape: [2, 2], strides: [1, 0], offset: 0 });
    const out = zeros([2, 2], 'float32');
    cpuKernels.cast({ x: broadcast, out });
    expect(values(out)).toEqual([-4, -4, 6, 6]);
  });
});
