import type { Layout } from '@peftjs/core';

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
  const starts = layouts.map((l, i) => odometer(dims, strides[i], outer, count, l.offset));
  return { count, length: dims[outer], starts, steps: strides.map((s) => s[outer]) };
}

/** Offsets of every coordinate of axes [0, rank) in row-major order. */
function odometer(dims: readonly number[], strides: readonly number[], rank: number, count: number, offset: number): Int32Array {
  const out = new Int32Array(count);
  const coord = new Array<number>(rank).fill(0);
  let index = offset;
  for (let r = 0; r < count; r++) {
    out[r] = index;
    for (let d = rank - 1; d >= 0; d--) {
      index += strides[d];
      if (++coord[d] < dims[d]) break;
      index -= strides[d] * dims[d];
      coord[d] = 0;
    }
  }
  return out;
}

/** True when the layout is row-major contiguous (any offset). */
export function isDense(layout: Layout): boolean {
  let expected = 1;
  for (let d = layout.shape.length - 1; d >= 0; d--) {
    if (layout.shape[d] !== 1 && layout.strides[d] !== expected) return false;
    expected *= layout.shape[d];
  }
  return true;
}
