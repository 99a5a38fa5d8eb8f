import type { Layout } from '@peftjs/core';

/** Storage index of every element of `layout`, in row-major order (an odometer over the shape). */
export function stridedOffsets(layout: Layout): Int32Array {
  const { shape, strides } = layout;
  const rank = shape.length;
  let size = 1;
  for (const d of shape) size *= d;
  const out = new Int32Array(size);
  const coord = new Array<number>(rank).fill(0);
  let index = layout.offset;
  for (let i = 0; i < size; i++) {
    out[i] = index;
    for (let d = rank - 1; d >= 0; d--) {
      coord[d]++;
      index += strides[d];
      if (coord[d] < shape[d]) break;
      index -= strides[d] * shape[d];
      coord[d] = 0;
    }
  }
  return out;
}

/** Axes [from, to) of a layout, at offset 0: add its offsets to a base index. */
export function axesLayout(layout: Layout, from: number, to: number): Layout {
  return { shape: layout.shape.slice(from, to), strides: layout.strides.slice(from, to), offset: 0 };
}

/** A layout [..., D] seen as rows of D elements: where each row starts and the step along it. */
export interface Rows {
  readonly count: number;
  readonly length: number;
  readonly starts: Int32Array;
  readonly step: number;
}

export function rowsOf(layout: Layout): Rows {
  const rank = layout.shape.length;
  if (rank === 0) return { count: 1, length: 1, starts: Int32Array.of(layout.offset), step: 0 };
  const starts = stridedOffsets({ ...axesLayout(layout, 0, rank - 1), offset: layout.offset });
  return { count: starts.length, length: layout.shape[rank - 1], starts, step: layout.strides[rank - 1] };
}
