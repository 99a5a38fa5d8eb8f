import { engine } from '../engine.js';
import { contiguousLayout, expandLayout, isContiguous, permuteLayout, reshapeLayout, sliceLayout } from '../layout.js';
import { formatShape, normalizeAxis, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor } from './tensor-like.js';

/** Resolves one -1 in `shape` against `size`. */
function resolveShape(shape: readonly number[], size: number, op: string, from: Shape): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new RangeError(`${op}: invalid shape ${formatShape(shape)}`);
  }
  const known = sizeOf(shape.filter((d) => d !== -1));
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d))) {
    throw new RangeError(`${op}: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(shape)}`);
  }
  return out;
}

/** A tensor with the same elements in `shape`; a view when the strides allow, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor(x, 'reshape', 'x');
  const target = resolveShape(shape, x.size, 'reshape', x.shape);
  const layout = reshapeLayout(x.layout, target);
  if (layout) return engine().view('reshape', x, layout, { shape: x.shape });
  const c = contiguous(x);
  const r = engine().view('reshape', c, contiguousLayout(target, c.layout.offset), { shape: c.shape });
  c.dispose();
  return r;
}

/** PyTorch's `view`: a reshape that never copies (throws when the strides do not allow it). */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor(x, 'view', 'x');
  const target = resolveShape(shape, x.size, 'view', x.shape);
  const layout = reshapeLayout(x.layout, target);
  if (!layout) {
    throw new Error(
      `view: ${formatShape(x.shape)} with strides ${formatShape(x.layout.strides)} cannot be viewed as ${formatShape(target)}; use reshape()`,
    );
  }
  return engine().view('reshape', x, layout, { shape: x.shape });
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  assertTensor(x, 'flatten', 'x');
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis(startDim, x.rank, 'flatten', 'startDim');
  const e = normalizeAxis(endDim, x.rank, 'flatten', 'endDim');
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  assertTensor(x, 'permute', 'x');
  const norm = dims.map((d) => normalizeAxis(d, x.rank, 'permute'));
  if (norm.length !== x.rank || new Set(norm).size !== norm.length) {
    throw new RangeError(`permute: dims ${formatShape(dims)} is not a permutation of ${x.rank} axes for ${formatShape(x.shape)}`);
  }
  return engine().view('permute', x, permuteLayout(x.layout, norm), { dims: norm });
}

export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  assertTensor(x, 'transpose', 'x');
  if (x.rank < 2 && dim0 === -2 && dim1 === -1) return permute(x, x.rank === 1 ? [0] : []);
  const a = normalizeAxis(dim0, x.rank, 'transpose', 'dim0');
  const b = normalizeAxis(dim1, x.rank, 'transpose', 'dim1');
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** Broadcasts to `shape` without copying; -1 keeps a dimension. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor(x, 'expand', 'x');
  const lead = shape.length - x.rank;
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - lead] : d));
  return engine().view('expand', x, expandLayout(x.layout, target, 'expand'), { shape: x.shape });
}

/** Elements start..end (exclusive) with `step` along `dim`; negative indices count from the end. */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  assertTensor(x, 'slice', 'x');
  const axis = normalizeAxis(dim, x.rank, 'slice');
  const [s, e] = clampRange(x.shape[axis], start, end, step, 'slice');
  return engine().view('slice', x, sliceLayout(x.layout, axis, s, e, step), { axis, start: s, end: e, step, shape: x.shape });
}

/** PyTorch's `narrow`: `length` elements from `start` along `dim`. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  return slice(x, dim, start, start + length);
}

export function clampRange(n: number, start: number, end: number | undefined, step: number, op: string): [number, number] {
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`${op}: step must be a positive integer, got ${step}`);
  const fix = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = fix(start);
  return [s, Math.max(s, fix(end ?? n))];
}

export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  assertTensor(x, 'squeeze', 'x');
  const dims =
    dim === undefined ? x.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeAxis(d, x.rank, 'squeeze'));
  const shape = x.shape.filter((d, i) => !(d === 1 && dims.includes(i)));
  return reshape(x, shape);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  assertTensor(x, 'unsqueeze', 'x');
  const axis = normalizeAxis(dim, x.rank + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(axis, 0, 1);
  return reshape(x, shape);
}

/** A contiguous tensor with the same values (the input itself when already contiguous). */
export function contiguous(x: Tensor): Tensor {
  assertTensor(x, 'contiguous', 'x');
  if (isContiguous(x.layout)) return engine().view('contiguous', x, x.layout, {});
  return copyOp('contiguous', x);
}

/** A copy with its own storage (PyTorch's `clone`), differentiable. */
export function clone(x: Tensor): Tensor {
  assertTensor(x, 'clone', 'x');
  return copyOp('clone', x);
}

function copyOp(op: 'contiguous' | 'clone', x: Tensor): Tensor {
  const [out] = engine().execute({
    op,
    inputs: [x],
    outputs: [{ shape: x.shape, dtype: x.dtype }],
    run: (b, [xi], [o]) => b.kernels.copy({ src: xi, dst: o }),
  });
  return out;
}

/** The same values outside the graph: a leaf that does not require grad. */
export function detach(x: Tensor): Tensor {
  assertTensor(x, 'detach', 'x');
  return engine().alias(x);
}
