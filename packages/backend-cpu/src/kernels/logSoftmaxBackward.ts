import type { Args } from './args.js';
import { mapRows } from './values.js';

/** dx = dy − exp(y) · Σ dy over each row, from the log-softmax output y. */
export function logSoftmaxBackward({ y, dy, dx }: Args<'logSoftmaxBackward'>): void {
  mapRows(dx, [y, dy], ([yRow, gRow]) => {
    let sum = 0;
    for (const g of gRow) sum += g;
    for (let k = 0; k < yRow.length; k++) gRow[k] -= Math.exp(yRow[k]) * sum;
    return gRow;
  });
}
