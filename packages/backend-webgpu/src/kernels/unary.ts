import type { UnaryOp } from '@peftjs/core';
import type { Args, Gpu } from './args.js';
import { computeType, load, store } from './convert.js';
import { mapElements } from './elementwise.js';
import { MATH } from './math.js';
import { TRIG } from './trig.js';

const FLOAT: Record<UnaryOp, (x: string) => string> = {
  neg: (x) => `-${x}`,
  abs: (x) => `abs(${x})`,
  exp: (x) => `exp(${x})`,
  log: (x) => `logF(${x})`,
  sqrt: (x) => `sqrt(${x})`,
  rsqrt: (x) => `1.0 / sqrt(${x})`,
  reciprocal: (x) => `1.0 / ${x}`,
  square: (x) => `${x} * ${x}`,
  sin: (x) => `sinCos(${x}).x`,
  cos: (x) => `sinCos(${x}).y`,
  tanh: (x) => `tanhF(${x})`,
  sigmoid: (x) => `sigmoidF(${x})`,
  relu: (x) => `select(0.0, ${x}, ${x} > 0.0 || isNan(${x}))`,
  gelu: (x) => `0.5 * ${x} * (1.0 + erfF(${x} * 0.7071067811865476))`,
  geluTanh: (x) => `0.5 * ${x} * (1.0 + tanhF(0.7978845608028654 * (${x} + 0.044715 * ${x} * ${x} * ${x})))`,
  silu: (x) => `${x} * sigmoidF(${x})`,
  // PyTorch's (0 < x) − (x < 0): sign(±0) = 0 and sign(NaN) = 0
  sign: (x) => `select(select(0.0, -1.0, ${x} < 0.0), 1.0, ${x} > 0.0)`,
  erf: (x) => `erfF(${x})`,
};

/** int32 ops computed exactly in i32 (wrapping like an Int32Array store); the others go through f32. */
const INT: Partial<Record<UnaryOp, (x: string) => string>> = {
  neg: (x) => `-${x}`,
  abs: (x) => `abs(${x})`,
  square: (x) => `${x} * ${x}`,
  relu: (x) => `max(${x}, 0)`,
  sign: (x) => `sign(${x})`,
};

export function unary(gpu: Gpu, { op, x, out }: Args<'unary'>): void {
  if (!(op in FLOAT)) throw new RangeError(`unary: unknown op ${String(op)}`);
  const intOp = computeType(out.dtype) === 'i32' ? INT[op] : undefined;
  const type = intOp ? 'i32' : 'f32';
  const f = intOp ?? FLOAT[op];
  mapElements(gpu, 'unary', op, out, [x], ([v]) => store(f(`(${load(v, x.dtype, type)})`), type, out.dtype), MATH + TRIG);
}
