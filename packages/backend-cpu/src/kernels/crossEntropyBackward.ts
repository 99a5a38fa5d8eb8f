import type { Args } from './args.js';
import { logSumExp } from './logSumExp.js';
import { readAll, RowAccess } from './values.js';

/** dlogits[n, c] = dloss[n] · (p_c − (1 − ε)·[c == t] − ε/C), with p = softmax(logits[n]); 0 for ignored rows. */
export function crossEntropyBackward({ logits, target, dloss, ignoreIndex, labelSmoothing, dlogits }: Args<'crossEntropyBackward'>): void {
  const xs = new RowAccess(logits);
  const gs = new RowAccess(dlogits);
  const c = xs.length;
  const targets = readAll(target);
  const dl = readAll(dloss);
  const row = new Float64Array(c);
  for (let n = 0; n < xs.count; n++) {
    const t = targets[n];
    if (t === ignoreIndex) {
      gs.write(n, row.fill(0));
      continue;
    }
    if (!(t >= 0 && t < c)) throw new RangeError(`crossEntropyBackward: target ${t} is out of range for ${c} classes`);
    xs.read(n, row);
    const { max, logSum } = logSumExp(row);
    for (let k = 0; k < c; k++) {
      const smoothed = (k === t ? 1 - labelSmoothing : 0) + labelSmoothing / c;
      row[k] = dl[n] * (Math.exp(row[k] - max - logSum) - smoothed);
    }
    gs.write(n, row);
  }
}
