import { isFloatingPoint } from '../dtype.js';
import { engine } from '../engine.js';
import type { ReduceOp } from '../kernels.js';
import { formatShape, normalizeAxes, normalizeAxis, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { div } from './binary.js';
import { assertTensor } from './tensor-like.js';
import { reshape } from './views.js';

export type Dims = number | readonly number[];

function reduceOp(op: ReduceOp, x: Tensor, dim: Dims | undefined, keepdim: boolean): Tensor {
  assertTensor(x, op, 'x');
  if (x.dtype === 'bool') {
    if (op !== 'sum') throw new TypeError(`${op}: not defined for bool tensors; cast first`);
    const asInt = cast(x, 'int32');
    const r = reduceOp(op, asInt, dim, keepdim);
    asInt.dispose();
    return r;
  }
  const axes = normalizeAxes(dim, x.rank, op);
  if (op !== 'sum' && axes.some((a) => x.shape[a] === 0)) {
    throw new RangeError(`${op}: cannot reduce over an empty dimension of ${formatShape(x.shape)}`);
  }
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const dtype = x.dtype;
  const [out] = engine().execute({
    op,
    inputs: [x],
    attrs: { axes, keepdim },
    outputs: [{ shape: outShape, dtype }],
    run: (b, [xi], [o]) => {
      if (axes.length === 0) b.kernels.cast({ x: xi, out: o });
      else b.kernels.reduce({ op, x: xi, axes, out: o });
    },
  });
  return keepdim ? keepDims(out, x.shape, axes) : out;
}

function keepDims(out: Tensor, inShape: Shape, axes: readonly number[]): Tensor {
  const shape = inShape.map((d, i) => (axes.includes(i) ? 1 : d));
  const r = reshape(out, shape);
  out.dispose();
  return r;
}

export const sum = (x: Tensor, dim?: Dims, keepdim = false): Tensor => reduceOp('sum', x, dim, keepdim);
/** max over `dim` (all elements when omitted); the gradient is shared evenly between ties. */
export const max = (x: Tensor, dim?: Dims, keepdim = false): Tensor => reduceOp('max', x, dim, keepdim);
export const min = (x: Tensor, dim?: Dims, keepdim = false): Tensor => reduceOp('min', x, dim, keepdim);

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  assertTensor(x, 'mean', 'x');
  if (!isFloatingPoint(x.dtype)) throw new TypeError(`mean: x must be a floating-point tensor, got ${x.dtype}`);
  const axes = normalizeAxes(dim, x.rank, 'mean');
  const count = sizeOf(axes.map((a) => x.shape[a]));
  const s = sum(x, axes, keepdim);
  const m = div(s, count);
  s.dispose();
  return m;
}

/** Index of the first maximum along `dim` (over the flattened tensor when omitted), int32. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  assertTensor(x, 'argmax', 'x');
  if (dim === undefined) {
    const flat = reshape(x, [x.size]);
    const r = argmax(flat, 0, false);
    flat.dispose();
    return r;
  }
  const axis = normalizeAxis(dim, x.rank, 'argmax');
  if (x.rank > 0 && x.shape[axis] === 0) throw new RangeError(`argmax: dim ${dim} of ${formatShape(x.shape)} is empty`);
  const outShape = x.shape.filter((_, i) => i !== axis);
  const [out] = engine().execute({
    op: 'argmax',
    inputs: [x],
    outputs: [{ shape: outShape, dtype: 'int32' }],
    run: (b, [xi], [o]) => {
      if (x.rank === 0) b.kernels.fill({ out: o, value: 0 });
      else b.kernels.argmax({ x: xi, axis, out: o });
    },
  });
  return keepdim && x.rank > 0 ? keepDims(out, x.shape, [axis]) : out;
}

/** Sums `g` down to `shape` (undoing broadcasting): the gradient of an expanded operand. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return g;
  const s = sum(g, axes, false);
  const r = reshape(s, shape);
  s.dispose();
  return r;
}

/** A cast that counts: sum over a bool mask as int32. */
export function countNonzero(x: Tensor): Tensor {
  const asInt = cast(x, 'int32');
  const s = sum(asInt);
  if (asInt !== x) asInt.dispose();
  return s;
}
