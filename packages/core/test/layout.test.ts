import { describe, expect, it } from 'vitest';
import {
  broadcastShapes,
  contiguousLayout,
  expandLayout,
  isContiguous,
  normalizeAxis,
  permuteLayout,
  reshapeLayout,
  sliceLayout,
  storageIndex,
  stridedOffsets,
} from '../src/index.js';

/** Reads every element of a layout over storage 0..n-1, in row-major order. */
const elements = (layout: ReturnType<typeof contiguousLayout>) =>
  Array.from({ length: layout.shape.reduce((a, b) => a * b, 1) }, (_, i) => storageIndex(layout, i));

describe('layouts', () => {
  it('permutes strides and keeps element positions', () => {
    const t = permuteLayout(contiguousLayout([2, 3]), [1, 0]);
    expect(t.shape).toEqual([3, 2]);
    expect(elements(t)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(isContiguous(t)).toBe(false);
  });

  it('reshapes a transposed view only where the strides allow', () => {
    const t = permuteLayout(contiguousLayout([2, 3, 4]), [1, 0, 2]); // [3,2,4]
    const merged = reshapeLayout(t, [3, 8]);
    expect(merged).toBeNull();
    const split = reshapeLayout(t, [3, 2, 2, 2])!;
    expect(elements(split)).toEqual(elements(t));
    const withOnes = reshapeLayout(t, [1, 3, 2, 4, 1])!;
    expect(elements(withOnes)).toEqual(elements(t));
  });

  it('stridedOffsets lists the storage index of every element in row-major order', () => {
    const t = sliceLayout(permuteLayout(contiguousLayout([2, 3, 4]), [2, 0, 1]), 2, 1, 3, 1); // [4,2,2] at offset 4
    expect(Array.from(stridedOffsets(t))).toEqual(elements(t));
    expect(Array.from(stridedOffsets(expandLayout(contiguousLayout([3, 1]), [2, 3, 2])))).toEqual([0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
    expect(Array.from(stridedOffsets({ shape: [], strides: [], offset: 5 }))).toEqual([5]);
    expect(stridedOffsets(contiguousLayout([3, 0])).length).toBe(0);
  });

  it('slices with a step and an offset', () => {
    const s = sliceLayout(contiguousLayout([10]), 0, 1, 8, 3);
    expect(s.shape).toEqual([3]);
    expect(elements(s)).toEqual([1, 4, 7]);
  });

  it('expands with stride 0 and rejects incompatible shapes', () => {
    const e = expandLayout(contiguousLayout([3, 1]), [2, 3, 4]);
    expect(e.strides).toEqual([0, 1, 0]);
    expect(() => expandLayout(contiguousLayout([3, 2]), [3, 4])).toThrow('expand: cannot expand [3,2] to [3,4]');
  });

  it('broadcasts like NumPy and names the op on failure', () => {
    expect(broadcastShapes([2, 1, 4], [3, 1], 'add')).toEqual([2, 3, 4]);
    expect(() => broadcastShapes([2, 3], [4, 3], 'mul')).toThrow('mul: shapes [2,3] and [4,3] cannot be broadcast together');
  });

  it('normalises negative axes and rejects out-of-range ones', () => {
    expect(normalizeAxis(-1, 3, 'sum')).toBe(2);
    expect(() => normalizeAxis(3, 3, 'sum')).toThrow('sum: dim 3 is out of range for a tensor of rank 3');
  });
});
