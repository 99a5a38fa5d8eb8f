import type { Args } from './args.js';
import { logSumExp } from './logSumExp.js';
import { RowAccess } from './values.js';

/** y = (x − max) − log Σ exp(x − max) over each row. */
export function logSoftmax({ x, out }: Args<'logSoftmax'>): void {
  const xs = new RowAccess(x);
  const ys = new RowAccess(out);
  const row = new Float64Array(xs.length);
  for (let r = 0; r < xs.count; r++) {
    xs.read(r, row);
    const { max, logSum } = logSumExp(row);
    for (let k = 0; k < row.length; k++) row[k] = row[k] - max - logSum;
    ys.write(r, row);
  }
}
