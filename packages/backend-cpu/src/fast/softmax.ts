import type { Args } from '../kernels/args.js';
import { rowsOf } from '../kernels/strided.js';

/**
 * The softmax family straight on the typed arrays, row by row, with the reference's float64
 * formulas in the same order (so the same values), but no per-row copies through float64 rows.
 */
export function fastSoftmax({ x, out }: Args<'softmax'>): boolean {
  const xs = rowsOf(x.layout);
  const os = rowsOf(out.layout);
  const n = xs.length;
  const xd = x.storage.data;
  const od = out.storage.data;
  const e = new Float64Array(n);
  for (let r = 0; r < xs.count; r++) {
    const xi = xs.starts[r];
    const oi = os.starts[r];
    let max = -Infinity;
    for (let k = 0; k < n; k++) max = Math.max(max, xd[xi + k * xs.step]);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      e[k] = Math.exp(xd[xi + k * xs.step] - max);
      sum += e[k];
    }
    for (let k = 0; k < n; k++) od[oi + k * os.step] = e[k] / sum;
  }
  return true;
}

/** dx = y · (dy − Σ y·dy). */
export function fastSoftmaxBackward({ y, dy, dx }: Args<'softmaxBackward'>): boolean {
  const ys = rowsOf(y.layout);
  const gs = rowsOf(dy.layout);
  const os = rowsOf(dx.layout);
  const n = ys.length;
  const yd = y.storage.data;
  const gd = dy.storage.data;
  const od = dx.storage.data;
  for (let r = 0; r < ys.count; r++) {
    const yi = ys.starts[r];
    const gi = gs.starts[r];
    const oi = os.starts[r];
    let dot = 0;
    for (let k = 0; k < n; k++) dot += yd[yi + k * ys.step] * gd[gi + k * gs.step];
    for (let k = 0; k < n; k++) od[oi + k * os.step] = yd[yi + k * ys.step] * (gd[gi + k * gs.step] - dot);
  }
  return true;
}

/** y = (x − max) − log Σ exp(x − max). */
export function fastLogSoftmax({ x, out }: Args<'logSoftmax'>): boolean {
  const xs = rowsOf(x.layout);
  const os = rowsOf(out.layout);
  const n = xs.length;
  const xd = x.storage.data;
  const od = out.storage.data;
  for (let r = 0; r < xs.count; r++) {
    const xi = xs.starts[r];
    const oi = os.starts[r];
    let max = -Infinity;
    for (let k = 0; k < n; k++) max = Math.max(max, xd[xi + k * xs.step]);
    let sum = 0;
    for (let k = 0; k < n; k++) sum += Math.exp(xd[xi + k * xs.step] - max);
    const logSum = Math.log(sum);
    for (let k = 0; k < n; k++) od[oi + k * os.step] = xd[xi + k * xs.step] - max - logSum;
  }
  return true;
}

/** dx = dy − exp(y) · Σ dy. */
export function fastLogSoftmaxBackward({ y, dy, dx }: Args<'logSoftmaxBackward'>): boolean {
  const ys = rowsOf(y.layout);
  const gs = rowsOf(dy.layout);
  const os = rowsOf(dx.layout);
  const n = ys.length;
  const yd = y.storage.data;
  const gd = dy.storage.data;
  const od = dx.storage.data;
  for (let r = 0; r < ys.count; r++) {
    const yi = ys.starts[r];
    const gi = gs.starts[r];
    const oi = os.starts[r];
    let sum = 0;
    for (let k = 0; k < n; k++) sum += gd[gi + k * gs.step];
    for (let k = 0; k < n; k++) od[oi + k * os.step] = gd[gi + k * gs.step] - Math.exp(yd[yi + k * ys.step]) * sum;
  }
  return true;
}
