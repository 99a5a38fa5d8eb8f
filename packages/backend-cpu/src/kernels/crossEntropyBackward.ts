import type { Args } from './args.js';
import { logSumExp } from './log-sum-exp.js';
import { mapRows, readAll } from './values.js';

/** dlogits[n, c] = dloss[n] · (p_c − (1 − ε)·[c == t] − ε/C), with p = softmax(logits[n]); 0 for ignored rows. */
export function crossEntropyBackward({ logits, target, dloss, ignoreIndex, labelSmoothing, dlogits }: Args<'crossEntropyBackward'>): void {
  const c = logits.layout.shape[logits.layout.shape.length - 1];
  const targets = readAll(target);
  const dl = readAll(dloss);
  mapRows(dlogits, [logits], ([row], n) => {
    const t = targets[n];
    if (t === ignoreIndex) return row.fill(0);
    if (!(t >= 0 && t < c)) throw new RangeError(`crossEntropyBackward: target ${t} is out of range for ${c} classes`);
    const { max, logSum } = logSumExp(row);
    for (let k = 0; k < c; k++) {
      const smoothed = (k === t ? 1 - labelSmoothing : 0) + labelSmoothing / c;
      row[k] = dl[n] * (Math.exp(row[k] - max - logSum) - smoothed);
    }
    return row;
  });
}
