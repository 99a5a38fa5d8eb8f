import type { Args } from './args.js';
import { logSumExp } from './log-sum-exp.js';
import { mapRows } from './values.js';

/** y = (x − max) − log Σ exp(x − max) over each row. */
export function logSoftmax({ x, out }: Args<'logSoftmax'>): void {
  mapRows(out, [x], ([row]) => {
    const { max, logSum } = logSumExp(row);
    for (let k = 0; k < row.length; k++) row[k] = row[k] - max - logSum;
    return row;
  });
}
