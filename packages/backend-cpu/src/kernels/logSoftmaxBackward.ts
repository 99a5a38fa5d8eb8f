import type { Args } from './args.js';
import { RowAccess } from './values.js';

/** dx = dy − exp(y) · Σ dy over each row, from the log-softmax output y. */
export function logSoftmaxBackward({ y, dy, dx }: Args<'logSoftmaxBackward'>): void {
  const ys = new RowAccess(y);
  const dys = new RowAccess(dy);
  const dxs = new RowAccess(dx);
  const yRow = new Float64Array(ys.length);
  const gRow = new Float64Array(ys.length);
  for (let r = 0; r < ys.count; r++) {
    ys.read(r, yRow);
    dys.read(r, gRow);
    let sum = 0;
    for (const g of gRow) sum += g;
    for (let k = 0; k < yRow.length; k++) gRow[k] -= Math.exp(yRow[k]) * sum;
    dxs.write(r, gRow);
  }
}
