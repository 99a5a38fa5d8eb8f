import type { Args } from './args.js';
import { mapRows } from './values.js';

/** y = exp(x − max) / Σ exp(x − max) over each row (a NaN or a row of −∞ gives NaN, like PyTorch). */
export function softmax({ x, out }: Args<'softmax'>): void {
  mapRows(out, [x], ([row]) => {
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (let k = 0; k < row.length; k++) {
      row[k] = Math.exp(row[k] - max);
      sum += row[k];
    }
    for (let k = 0; k < row.length; k++) row[k] /= sum;
    return row;
  });
}
