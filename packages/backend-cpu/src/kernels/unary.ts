import type { UnaryOp } from '@peftjs/core';
import { erf } from '../math/erf.js';
import type { Args } from './args.js';
import { mapElements } from './elementwise.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function sigmoid(x: number): number {
  // Only e^(−|x|) is formed: e^(+|x|) would overflow to Infinity for large |x|.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Each op on one float64 value; the result is rounded (or wrapped, for int32) when stored. */
const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  square: (x) => x * x,
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  tanh: (x) => Math.tanh(x),
  sigmoid,
  relu: (x) => (Number.isNaN(x) || x > 0 ? x : 0),
  gelu: (x) => 0.5 * x * (1 + erf(x * Math.SQRT1_2)),
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
  silu: (x) => x * sigmoid(x),
  // PyTorch's (0 < x) − (x < 0): sign(±0) = +0 and sign(NaN) = 0.
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  erf,
};

/** int32 ops whose float64 result could pass 2^53 and so would not wrap exactly on store. */
const INT32: Partial<Record<UnaryOp, (x: number) => number>> = {
  square: (x) => Math.imul(x, x),
};

export function unary({ op, x, out }: Args<'unary'>): void {
  const f = (out.dtype === 'int32' ? INT32[op] : undefined) ?? UNARY[op];
  if (!f) throw new RangeError(`unary: unknown op ${String(op)}`);
  mapElements(out, [x], f);
}
