import type { Args } from '../kernels/args.js';
import { erfFast } from './erf-table.js';
import { expFast } from './exp.js';
import { isDense } from './rows.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const K = 0.044715;

/**
 * GELU (erf and tanh forms) and SiLU backward for dense float32 operands: one pass, the derivative
 * inlined, one monomorphic loop per op. Within a few float32 ulps of the reference: erf comes from
 * the table erf, e^x from expFast and tanh(u) from 1 − 2/(1 + e^(2u)) (exact at ±Infinity, no
 * cancellation worth a float32 ulp near 0). Anything else (float64, strided or broadcast operands) goes to the reference.
 */
export function fastActivationBackward({ op, x, dy, dx }: Args<'activationBackward'>): boolean {
  const xv = x.storage.data;
  const gv = dy.storage.data;
  const ov = dx.storage.data;
  if (!(xv instanceof Float32Array && gv instanceof Float32Array && ov instanceof Float32Array)) return false;
  if (!isDense(x.layout) || !isDense(dy.layout)) return false;
  const n = ov.length;
  const xo = x.layout.offset;
  const go = dy.layout.offset;
  if (op === 'geluTanh') geluTanhBackward(ov, xv, xo, gv, go, n);
  else if (op === 'gelu') geluBackward(ov, xv, xo, gv, go, n);
  else if (op === 'silu') siluBackward(ov, xv, xo, gv, go, n);
  else return false;
  return true;
}

function geluTanhBackward(o: Float32Array, x: Float32Array, xo: number, g: Float32Array, go: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[xo + i];
    const t = 1 - 2 / (1 + expFast(2 * SQRT_2_OVER_PI * (v + K * v * v * v)));
    o[i] = g[go + i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * K * v * v));
  }
}

function geluBackward(o: Float32Array, x: Float32Array, xo: number, g: Float32Array, go: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[xo + i];
    o[i] = g[go + i] * (0.5 * (1 + erfFast(v * Math.SQRT1_2)) + v * expFast(-0.5 * v * v) * INV_SQRT_2PI);
  }
}

function siluBackward(o: Float32Array, x: Float32Array, xo: number, g: Float32Array, go: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[xo + i];
    const s = v >= 0 ? 1 / (1 + expFast(-v)) : 1 - 1 / (1 + expFast(v));
    o[i] = g[go + i] * (s * (1 + v * (1 - s)));
  }
}
