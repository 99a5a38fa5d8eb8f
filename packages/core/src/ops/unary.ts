import { engine } from '../engine.js';
import type { UnaryOp } from '../kernels.js';
import type { Tensor } from '../tensor.js';
import { assertFloat, assertTensor } from './tensor-like.js';

/** Ops that also make sense on int32 (the rest need a float input). */
const INTEGER_OK = new Set<UnaryOp>(['neg', 'abs', 'square', 'relu', 'sign']);

export function unary(op: UnaryOp, x: Tensor, name: string = op): Tensor {
  assertTensor(x, name, 'x');
  if (x.dtype === 'bool' || (!INTEGER_OK.has(op) && x.dtype === 'int32')) assertFloat(x, name, 'x');
  const [out] = engine().execute({
    op: name,
    inputs: [x],
    outputs: [{ shape: x.shape, dtype: x.dtype }],
    run: (b, [xi], [o]) => b.kernels.unary({ op, x: xi, out: o }),
  });
  return out;
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const silu = (x: Tensor): Tensor => unary('silu', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);

/** GELU; `approximate: 'tanh'` is the tanh form (GPT-2's gelu_new), 'none' the exact erf form. */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
  }
  return approximate === 'tanh' ? unary('geluTanh', x) : unary('gelu', x);
}
