import type { Args } from './args.js';
import { logSumExp } from './log-sum-exp.js';
import { readAll, RowAccess, writeAll } from './values.js';

/**
 * Per row n with target t (logits [N, C]): nll = lse − x_t and smooth = mean_c(lse − x_c), where
 * lse = log Σ_c exp(x_c); loss = (1 − ε)·nll + ε·smooth, and 0 where t == ignoreIndex.
 */
export function crossEntropy({ logits, target, ignoreIndex, labelSmoothing, loss }: Args<'crossEntropy'>): void {
  const xs = new RowAccess(logits);
  const c = xs.length;
  const targets = readAll(target);
  const losses = new Float64Array(xs.count);
  const row = new Float64Array(c);
  for (let n = 0; n < xs.count; n++) {
    const t = targets[n];
    if (t === ignoreIndex) continue;
    if (!(t >= 0 && t < c)) throw new RangeError(`crossEntropy: target ${t} is out of range for ${c} classes`);
    xs.read(n, row);
    // lse − x_c written as (max − x_c) + logSum, exact where x_c is near the maximum
    const { max, logSum } = logSumExp(row);
    let sum = 0;
    for (const v of row) sum += max - v;
    const nll = max - row[t] + logSum;
    const smooth = sum / c + logSum;
    losses[n] = labelSmoothing === 0 ? nll : (1 - labelSmoothing) * nll + labelSmoothing * smooth;
  }
  writeAll(loss, losses);
}
