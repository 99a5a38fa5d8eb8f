import { engine } from '../engine.js';
import { Tensor } from '../tensor.js';
import { isFloatingPoint, type DType } from '../dtype.js';

export type TensorLike = Tensor | number;

/** Turns a number operand into a 0-d tensor of `dtype` on `like`'s backend. */
export function toTensor(x: TensorLike, op: string, arg: string, dtype: DType, like?: Tensor): Tensor {
  if (x instanceof Tensor) {
    x.assertAlive(op, arg);
    return x;
  }
  if (typeof x !== 'number') {
    throw new TypeError(`${op}: ${arg} must be a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
  }
  const backend = like ? like.ref.backend : engine().backend;
  const values =
    dtype === 'float64'
      ? new Float64Array([x])
      : dtype === 'int32'
        ? new Int32Array([x])
        : dtype === 'bool'
          ? new Uint8Array([x ? 1 : 0])
          : new Float32Array([x]);
  return engine().makeTensor([], dtype, backend, values);
}

export function assertTensor(x: unknown, op: string, arg: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new TypeError(`${op}: ${arg} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
  x.assertAlive(op, arg);
}

export function assertFloat(x: Tensor, op: string, arg: string): void {
  if (!isFloatingPoint(x.dtype)) {
    throw new TypeError(`${op}: ${arg} must be a floating-point tensor (float32, float64, float16, bfloat16), got ${x.dtype}`);
  }
}
