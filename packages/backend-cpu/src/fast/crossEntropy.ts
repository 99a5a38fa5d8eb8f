import type { Args } from '../kernels/args.js';
import { rowsOf } from '../kernels/strided.js';
import { readAll, writeAll } from '../kernels/values.js';

/** max and log Σ exp(v − max) of one row read in place (the reference's logSumExp). */
function rowLogSumExp(d: ArrayLike<number>, start: number, step: number, n: number): { max: number; logSum: number } {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, d[start + k * step]);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(d[start + k * step] - max);
  return { max, logSum: Math.log(sum) };
}

/** Cross-entropy per row on the typed arrays, with the reference's float64 formulas in the same order. */
export function fastCrossEntropy({ logits, target, ignoreIndex, labelSmoothing, loss }: Args<'crossEntropy'>): boolean {
  const xs = rowsOf(logits.layout);
  const c = xs.length;
  const xd = logits.storage.data;
  const targets = readAll(target);
  const losses = new Float64Array(xs.count);
  for (let n = 0; n < xs.count; n++) {
    const t = targets[n];
    if (t === ignoreIndex) continue;
    if (!(t >= 0 && t < c)) throw new RangeError(`crossEntropy: target ${t} is out of range for ${c} classes`);
    const start = xs.starts[n];
    const { max, logSum } = rowLogSumExp(xd, start, xs.step, c);
    let sum = 0;
    for (let k = 0; k < c; k++) sum += max - xd[start + k * xs.step];
    const nll = max - xd[start + t * xs.step] + logSum;
    const smooth = sum / c + logSum;
    losses[n] = labelSmoothing === 0 ? nll : (1 - labelSmoothing) * nll + labelSmoothing * smooth;
  }
  writeAll(loss, losses);
  return true;
}

/** dlogits = dloss · (softmax − smoothed one-hot), 0 for ignored rows. */
export function fastCrossEntropyBackward({
  logits,
  target,
  dloss,
  ignoreIndex,
  labelSmoothing,
  dlogits,
}: Args<'crossEntropyBackward'>): boolean {
  const xs = rowsOf(logits.layout);
  const os = rowsOf(dlogits.layout);
  const c = xs.length;
  const xd = logits.storage.data;
  const od = dlogits.storage.data;
  const targets = readAll(target);
  const dl = readAll(dloss);
  for (let n = 0; n < xs.count; n++) {
    const t = targets[n];
    const oi = os.starts[n];
    if (t === ignoreIndex) {
      for (let k = 0; k < c; k++) od[oi + k * os.step] = 0;
      continue;
    }
    if (!(t >= 0 && t < c)) throw new RangeError(`crossEntropyBackward: target ${t} is out of range for ${c} classes`);
    const xi = xs.starts[n];
    const { max, logSum } = rowLogSumExp(xd, xi, xs.step, c);
    for (let k = 0; k < c; k++) {
      const smoothed = (k === t ? 1 - labelSmoothing : 0) + labelSmoothing / c;
      od[oi + k * os.step] = dl[n] * (Math.exp(xd[xi + k * xs.step] - max - logSum) - smoothed);
    }
  }
  return true;
}
