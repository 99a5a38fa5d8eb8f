import { contiguousStrides, formatShape, sizeOf, type Shape } from './shape.js';

/** Where a tensor's elements sit in its storage: element [i, j, ...] is at offset + i*strides[0] + j*strides[1] + ... */
export interface Layout {
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

export function contiguousLayout(shape: Shape, offset = 0): Layout {
  return { shape: [...shape], strides: contiguousStrides(shape), offset };
}

export function isContiguous(layout: Layout): boolean {
  let expected = 1;
  for (let i = layout.shape.length - 1; i >= 0; i--) {
    if (layout.shape[i] !== 1 && layout.strides[i] !== expected) return false;
    expected *= layout.shape[i];
  }
  return true;
}

/** Storage index of every element of `layout`, in row-major order (an odometer over the shape). */
export function stridedOffsets(layout: Layout): Int32Array {
  const { shape, strides } = layout;
  const rank = shape.length;
  const out = new Int32Array(sizeOf(shape));
  const coord = new Array<number>(rank).fill(0);
  let index = layout.offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = index;
    for (let d = rank - 1; d >= 0; d--) {
      index += strides[d];
      if (++coord[d] < shape[d]) break;
      index -= strides[d] * shape[d];
      coord[d] = 0;
    }
  }
  return out;
}

export function layoutSize(layout: Layout): number {
  return sizeOf(layout.shape);
}

export function permuteLayout(layout: Layout, dims: readonly number[]): Layout {
  return {
    shape: dims.map((d) => layout.shape[d]),
    strides: dims.map((d) => layout.strides[d]),
    offset: layout.offset,
  };
}

/** Broadcasts to `shape` by giving new and size-1 axes a stride of 0. */
export function expandLayout(layout: Layout, shape: Shape, op = 'expand'): Layout {
  const lead = shape.length - layout.shape.length;
  if (lead < 0) {
    throw new RangeError(`${op}: cannot expand ${formatShape(layout.shape)} to fewer dimensions ${formatShape(shape)}`);
  }
  const strides = shape.map((d, i) => {
    if (i < lead) return 0;
    const src = layout.shape[i - lead];
    if (src === d) return layout.strides[i - lead];
    if (src === 1) return 0;
    throw new RangeError(`${op}: cannot expand ${formatShape(layout.shape)} to ${formatShape(shape)}`);
  });
  return { shape: [...shape], strides, offset: layout.offset };
}

export function sliceLayout(layout: Layout, axis: number, start: number, end: number, step: number): Layout {
  const shape = [...layout.shape];
  const strides = [...layout.strides];
  shape[axis] = Math.max(0, Math.ceil((end - start) / step));
  strides[axis] = layout.strides[axis] * step;
  return { shape, strides, offset: layout.offset + start * layout.strides[axis] };
}

/**
 * A reshape that keeps the storage, or null when the strides do not allow it (then a copy is
 * needed first). Works group by group: each run of merged input axes must be contiguous.
 */
export function reshapeLayout(layout: Layout, shape: Shape): Layout | null {
  if (isContiguous(layout)) return contiguousLayout(shape, layout.offset);
  const inShape = layout.shape.filter((d) => d !== 1);
  const inStrides = layout.strides.filter((_, i) => layout.shape[i] !== 1);
  const outStrides = new Array<number>(shape.length).fill(0);
  let i = 0;
  let o = 0;
  while (i < inShape.length || o < shape.length) {
    while (o < shape.length && shape[o] === 1) outStrides[o++] = 0;
    if (i >= inShape.length && o >= shape.length) break;
    if (i >= inShape.length || o >= shape.length) return null;
    // grow an input group and an output group until their sizes match
    const iStart = i;
    const oStart = o;
    let inSize = inShape[i++];
    let outSize = shape[o++];
    while (inSize !== outSize) {
      if (inSize < outSize) {
        if (i >= inShape.length) return null;
        inSize *= inShape[i++];
      } else {
        if (o >= shape.length) return null;
        outSize *= shape[o++];
      }
    }
    for (let k = iStart; k < i - 1; k++) {
      if (inStrides[k] !== inStrides[k + 1] * inShape[k + 1]) return null;
    }
    let stride = inStrides[i - 1];
    for (let k = o - 1; k >= oStart; k--) {
      outStrides[k] = stride;
      stride *= shape[k];
    }
  }
  return { shape: [...shape], strides: outStrides, offset: layout.offset };
}

/** Storage index of the element with flat (row-major) index `flat`. */
export function storageIndex(layout: Layout, flat: number): number {
  let idx = layout.offset;
  for (let d = layout.shape.length - 1; d >= 0; d--) {
    const n = layout.shape[d];
    idx += (flat % n) * layout.strides[d];
    flat = Math.floor(flat / n);
  }
  return idx;
}
