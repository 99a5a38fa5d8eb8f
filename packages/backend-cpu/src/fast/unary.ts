import type { UnaryOp } from '@peftjs/core';
import type { Args } from '../kernels/args.js';
import { erf } from '../math/erf.js';
import { erfFast } from './erf-table.js';
import { expFast } from './exp.js';
import { planRows, type RowPlan } from './rows.js';
import type { Values } from './values.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * The unary kernel over rows, one loop per op with the reference's float64 formula inlined, so
 * results are bit for bit the reference's (typed-array stores round or wrap the same way); only
 * float32 erf and gelu use the table erf below.
 */
type RowLoop = (o: Values, x: Values, p: RowPlan) => void;

const LOOPS: Record<UnaryOp, RowLoop> = {
  neg: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = -x;
      }
    }
  },
  abs: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = Math.abs(x);
      }
    }
  },
  exp: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = Math.exp(x);
      }
    }
  },
  log: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = Math.log(x);
      }
    }
  },
  sqrt: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = Math.sqrt(x);
      }
    }
  },
  rsqrt: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = 1 / Math.sqrt(x);
      }
    }
  },
  reciprocal: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = 1 / x;
      }
    }
  },
  square: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = x * x;
      }
    }
  },
  sin: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = Math.sin(x);
      }
    }
  },
  cos: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = Math.cos(x);
      }
    }
  },
  tanh: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = Math.tanh(x);
      }
    }
  },
  sigmoid: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = sigmoid(x);
      }
    }
  },
  relu: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = Number.isNaN(x) || x > 0 ? x : 0;
      }
    }
  },
  gelu: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = 0.5 * x * (1 + erf(x * Math.SQRT1_2));
      }
    }
  },
  geluTanh: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
      }
    }
  },
  silu: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = x * sigmoid(x);
      }
    }
  },
  sign: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = x > 0 ? 1 : x < 0 ? -1 : 0;
      }
    }
  },
  erf: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = erf(x);
      }
    }
  },
};

/**
 * Where out is float32, erf from the constant-time table (within 1e-14 of the reference, far below
 * float32's rounding), and tanh and the sigmoid from expFast (within 1e-15): tanh(u) as
 * 1 − 2/(1 + e^(2u)), exact at ±Infinity and without a cancellation worth a float32 ulp in 1 + tanh.
 */
const FLOAT32_LOOPS: Partial<Record<UnaryOp, RowLoop>> = {
  geluTanh: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = 0.5 * x * (2 - 2 / (1 + expFast(2 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
      }
    }
  },
  silu: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        if (x >= 0) {
          o[io] = x * (1 / (1 + expFast(-x)));
        } else {
          const e = expFast(x);
          o[io] = x * (e / (1 + e));
        }
      }
    }
  },
  gelu: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) {
        const x = v[ix];
        o[io] = 0.5 * x * (1 + erfFast(x * Math.SQRT1_2));
      }
    }
  },
  erf: (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) o[io] = erfFast(v[ix]);
    }
  },
};

const imulSquare: RowLoop = (o, v, { count, length, starts: [so, sx], steps: [po, px] }) => {
  for (let r = 0; r < count; r++) {
    for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) o[io] = Math.imul(v[ix], v[ix]);
  }
};

/** False when the reference must run (an unknown op). */
export function fastUnary({ op, x, out }: Args<'unary'>): boolean {
  const loop =
    (out.dtype === 'int32' && op === 'square' ? imulSquare : undefined) ??
    (out.dtype === 'float32' ? FLOAT32_LOOPS[op] : undefined) ??
    LOOPS[op];
  if (!loop) return false;
  loop(out.storage.data, x.storage.data, planRows(out.layout.shape, [out.layout, x.layout]));
  return true;
}
