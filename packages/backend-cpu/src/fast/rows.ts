import { isContiguous, stridedOffsets, type Layout } from '@peftjs/core';

/**
 * Several layouts of one shape walked together as rows: adjacent axes are merged wherever every
 * layout allows it (size-1 axes dropped), the last merged axis is the row, and the others are
 * enumerated once per row instead of once per element. Operand i's row r starts at starts[i][r]
 * and steps by steps[i] along the row (0 for a broadcast operand).
 */
export interface RowPlan {
  readonly count: number;
  readonly length: number;
  readonly starts: readonly Int32Array[];
  readonly steps: readonly number[];
}

export function planRows(shape: readonly number[], layouts: readonly Layout[]): RowPlan {
  const dims: number[] = [];
  const strides: number[][] = layouts.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 0) return { count: 0, length: 0, starts: layouts.map(() => new Int32Array(0)), steps: layouts.map(() => 0) };
    if (size === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let i = 0; i < layouts.length && merge; i++) merge = strides[i][last] === layouts[i].strides[d] * size;
    if (merge) {
      dims[last] *= size;
      for (let i = 0; i < layouts.length; i++) strides[i][last] = layouts[i].strides[d];
    } else {
      dims.push(size);
      for (let i = 0; i < layouts.length; i++) strides[i].push(layouts[i].strides[d]);
    }
  }
  if (dims.length === 0) return { count: 1, length: 1, starts: layouts.map((l) => Int32Array.of(l.offset)), steps: layouts.map(() => 0) };
  const outer = dims.length - 1;
  let count = 1;
  for (let d = 0; d < outer; d++) count *= dims[d];
  const starts = layouts.map((l, i) =>
    stridedOffsets({ shape: dims.slice(0, outer), strides: strides[i].slice(0, outer), offset: l.offset }),
  );
  return { count, length: dims[outer], starts, steps: strides.map((s) => s[outer]) };
}

/** True when the layout is row-major contiguous (any offset): core's isContiguous. */
export const isDense: (layout: Layout) => boolean = isContiguous;
