import { contiguousLayout, expandLayout, permuteLayout, sliceLayout, storageIndex, type Layout } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { ElementOffsets } from '../src/kernels/strided.js';

const every = (o: ElementOffsets) => Array.from({ length: o.length }, (_, j) => o.at(j));
const expected = (l: Layout) => Array.from({ length: l.shape.reduce((a, b) => a * b, 1) }, (_, j) => storageIndex(l, j));

describe('ElementOffsets', () => {
  it('needs no table where elements lie an even step apart: contiguous at any offset, size-1 axes, one broadcast value, a stepped slice', () => {
    const layouts: Layout[] = [
      contiguousLayout([2, 3, 4]),
      contiguousLayout([4, 1, 5], 7),
      contiguousLayout([]),
      expandLayout(contiguousLayout([1], 3), [2, 3]),
      sliceLayout(contiguousLayout([10]), 0, 1, 9, 2),
      { shape: [3, 1, 2], strides: [4, 99, 2], offset: 1 },
    ];
    for (const l of layouts) {
      const o = new ElementOffsets(l);
      expect(o.even).toBe(true);
      expect(every(o)).toEqual(expected(l));
    }
  });

  it('keeps a table for the others: transposed, row-broadcast, sliced rows', () => {
    const layouts: Layout[] = [
      permuteLayout(contiguousLayout([2, 3]), [1, 0]),
      expandLayout(contiguousLayout([3]), [2, 3]),
      sliceLayout(contiguousLayout([4, 5]), 1, 1, 4, 1),
    ];
    for (const l of layouts) {
      const o = new ElementOffsets(l);
      expect(o.even).toBe(false);
      expect(every(o)).toEqual(expected(l));
    }
  });
});
