import { engine } from '../engine.js';
import { promoteTypes } from '../dtype.js';
import { sliceLayout } from '../layout.js';
import { formatShape, normalizeAxis, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor } from './tensor-like.js';
import { clampRange, slice, unsqueeze } from './views.js';

/** Joins tensors along `dim` (PyTorch's `cat`): each is copied into its window of the output. */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('concat: needs a non-empty array of tensors');
  tensors.forEach((t, i) => assertTensor(t, 'concat', `tensors[${i}]`));
  const first = tensors[0];
  const axis = normalizeAxis(dim, first.rank, 'concat');
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  tensors.forEach((t, i) => {
    if (t.dtype !== dtype) throw new TypeError(`concat: tensors[${i}] is ${t.dtype}, expected ${dtype} like the others`);
    const same = t.rank === first.rank && t.shape.every((d: number, j: number) => j === axis || d === first.shape[j]);
    if (!same) {
      throw new RangeError(
        `concat: tensors[${i}] has shape ${formatShape(t.shape)}, which differs from ${formatShape(first.shape)} outside dim ${axis}`,
      );
    }
  });
  const sizes = tensors.map((t) => t.shape[axis]);
  const shape = [...first.shape];
  shape[axis] = sizes.reduce((a, b) => a + b, 0);
  const [out] = engine().execute({
    op: 'concat',
    inputs: tensors,
    attrs: { axis, sizes },
    outputs: [{ shape, dtype }],
    run: (b, infos, [o]) => {
      let start = 0;
      infos.forEach((src, i) => {
        b.kernels.copy({ src, dst: { ...o, layout: sliceLayout(o.layout, axis, start, start + sizes[i], 1) } });
        start += sizes[i];
      });
    },
  });
  return out;
}

export const cat = concat;

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('stack: needs a non-empty array of tensors');
  const axis = normalizeAxis(dim, tensors[0].rank + 1, 'stack');
  const parts = tensors.map((t) => unsqueeze(t, axis));
  try {
    return concat(parts, axis);
  } finally {
    parts.forEach((p) => p.dispose());
  }
}

/** Splits into pieces of `sizes` along `dim` (views). A number splits into equal chunks of that size. */
export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  assertTensor(x, 'split', 'x');
  const axis = normalizeAxis(dim, x.rank, 'split');
  const n = x.shape[axis];
  const list = typeof sizes === 'number' ? Array.from({ length: Math.ceil(n / sizes) }, (_, i) => Math.min(sizes, n - i * sizes)) : sizes;
  if (list.reduce((a, b) => a + b, 0) !== n)
    throw new RangeError(`split: sizes ${formatShape(list)} do not add up to ${n} along dim ${dim}`);
  let start = 0;
  return list.map((s) => {
    const part = slice(x, axis, start, start + s);
    start += s;
    return part;
  });
}

/** `chunks` nearly equal pieces along `dim` (PyTorch's `chunk`). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  assertTensor(x, 'chunk', 'x');
  const axis = normalizeAxis(dim, x.rank, 'chunk');
  return split(x, Math.ceil(x.shape[axis] / chunks), axis);
}

/** A copy of `x` whose window start:end:step along `dim` holds `src` (PyTorch's `slice_scatter`). */
export function sliceScatter(x: Tensor, src: Tensor, dim = 0, start = 0, end?: number, step = 1): Tensor {
  assertTensor(x, 'sliceScatter', 'x');
  assertTensor(src, 'sliceScatter', 'src');
  const axis = normalizeAxis(dim, x.rank, 'sliceScatter');
  const [s, e] = clampRange(x.shape[axis], start, end, step, 'sliceScatter');
  const length = Math.max(0, Math.ceil((e - s) / step));
  const expected = x.shape.map((d, i) => (i === axis ? length : d));
  if (!shapesEqual(expected, src.shape)) {
    throw new RangeError(`sliceScatter: src must have shape ${formatShape(expected)}, got ${formatShape(src.shape)}`);
  }
  if (src.dtype !== x.dtype) throw new TypeError(`sliceScatter: src dtype ${src.dtype} differs from x dtype ${x.dtype}`);
  const [out] = engine().execute({
    op: 'sliceScatter',
    inputs: [x, src],
    attrs: { axis, start: s, end: e, step },
    outputs: [{ shape: x.shape, dtype: x.dtype }],
    run: (b, [xi, si], [o]) => {
      b.kernels.copy({ src: xi, dst: o });
      b.kernels.copy({ src: si, dst: { ...o, layout: sliceLayout(o.layout, axis, s, e, step) } });
    },
  });
  return out;
}
