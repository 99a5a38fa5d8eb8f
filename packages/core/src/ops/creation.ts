import type { Backend } from '../backend.js';
import { engine } from '../engine.js';
import { allocArray, assertDType, arrayDType, toTypedArray, type DType, type TypedArray } from '../dtype.js';
import { assertValidShape, formatShape, shapesEqual, sizeOf, type Shape } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';

export interface TensorOptions {
  dtype?: DType;
  shape?: Shape;
  requiresGrad?: boolean;
  /** Where to allocate it (default: the active backend); pass `other.backend` to make it beside `other`. */
  backend?: Backend;
}

/**
 * A tensor from a number, nested arrays or a typed array (PyTorch's `torch.tensor`). The dtype is
 * inferred (numbers: float32, booleans: bool, typed arrays: their own) unless given.
 */
export function tensor(data: NestedArray | TypedArray | readonly number[], options: TensorOptions = {}): Tensor {
  let values: ArrayLike<number | boolean>;
  let inferredShape: number[];
  let inferred: DType = 'float32';
  if (ArrayBuffer.isView(data)) {
    values = data as TypedArray;
    inferredShape = [values.length];
    inferred = arrayDType(data as TypedArray);
  } else {
    const flat: (number | boolean)[] = [];
    inferredShape = inferShape(data, flat);
    values = flat;
    if (flat.length > 0 && typeof flat[0] === 'boolean') inferred = 'bool';
  }
  const dtype = options.dtype ?? inferred;
  assertDType(dtype, 'tensor', 'dtype');
  const shape = options.shape ?? inferredShape;
  assertValidShape(shape, 'tensor');
  if (sizeOf(shape) !== values.length) {
    throw new RangeError(`tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} values, got ${values.length}`);
  }
  const typed =
    ArrayBuffer.isView(values) && arrayDType(values as TypedArray) === dtype ? (values as TypedArray) : toTypedArray(values, dtype);
  const t = engine().makeTensor(shape, dtype, options.backend, typed);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, { dtype, shape: [] });
}

function inferShape(data: NestedArray | readonly number[], flat: (number | boolean)[]): number[] {
  if (!Array.isArray(data)) {
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new TypeError(`tensor: values must be numbers, booleans or nested arrays of them, got ${typeof data}`);
    }
    flat.push(data);
    return [];
  }
  const inner = data.length > 0 ? inferShape(data[0] as NestedArray, []) : [];
  for (const item of data) {
    const sub: (number | boolean)[] = [];
    const shape = inferShape(item as NestedArray, sub);
    if (!shapesEqual(shape, inner)) {
      throw new RangeError(`tensor: nested arrays are ragged: found ${formatShape(shape)} beside ${formatShape(inner)}`);
    }
    flat.push(...sub);
  }
  return [data.length, ...inner];
}

/** A tensor of `shape` filled with `value` (PyTorch's `torch.full`), on the active backend or `backend`. */
export function fill(shape: Shape, value: number, dtype: DType = 'float32', backend?: Backend): Tensor {
  assertValidShape(shape, 'fill');
  assertDType(dtype, 'fill', 'dtype');
  const [out] = engine().execute({
    op: 'fill',
    inputs: [],
    backend,
    outputs: [{ shape, dtype }],
    run: (b, _, [o]) => b.kernels.fill({ out: o, value }),
  });
  return out;
}

export const full = fill;
export const zeros = (shape: Shape, dtype: DType = 'float32'): Tensor => fill(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = 'float32'): Tensor => fill(shape, 1, dtype);
export const zerosLike = (x: Tensor, dtype: DType = x.dtype): Tensor => fill(x.shape, 0, dtype, x.ref.backend);
export const onesLike = (x: Tensor, dtype: DType = x.dtype): Tensor => fill(x.shape, 1, dtype, x.ref.backend);
export const fullLike = (x: Tensor, value: number, dtype: DType = x.dtype): Tensor => fill(x.shape, value, dtype, x.ref.backend);
/** Zeros of `shape` with `x`'s dtype and backend (PyTorch's `x.new_zeros(shape)`). */
export const newZeros = (x: Tensor, shape: Shape): Tensor => fill(shape, 0, x.dtype, x.ref.backend);

/** Values start, start+step, ... below end (PyTorch's `torch.arange`). */
export function arange(start: number, end?: number, step = 1, dtype?: DType): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (!Number.isFinite(start)) throw new RangeError(`arange: start must be a finite number, got ${start}`);
  if (!Number.isFinite(end)) throw new RangeError(`arange: end must be a finite number, got ${end}`);
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a finite non-zero number, got ${step}`);
  const length = Math.max(0, Math.ceil((end - start) / step));
  const type = dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32');
  const [out] = engine().execute({
    op: 'arange',
    inputs: [],
    outputs: [{ shape: [length], dtype: type }],
    run: (b, _, [o]) => b.kernels.arange({ out: o, start, step }),
  });
  return out;
}

/** Identity matrix [n, m]. */
export function eye(n: number, m = n, dtype: DType = 'float32'): Tensor {
  const values = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return engine().makeTensor([n, m], dtype, undefined, values);
}

/** Wraps an existing typed array (copied) as a tensor of `shape`. */
export function fromArray(values: TypedArray, shape: Shape): Tensor {
  return tensor(values, { shape });
}
