import type { Args } from './args.js';
import { RowAccess } from './values.js';

/** dx = y · (dy − Σ y·dy) over each row, from the softmax output y. */
export function softmaxBackward({ y, dy, dx }: Args<'softmaxBackward'>): void {
  const ys = new RowAccess(y);
  const dys = new RowAccess(dy);
  const dxs = new RowAccess(dx);
  const yRow = new Float64Array(ys.length);
  const gRow = new Float64Array(ys.length);
  for (let r = 0; r < ys.count; r++) {
    ys.read(r, yRow);
    dys.read(r, gRow);
    let dot = 0;
    for (let k = 0; k < yRow.length; k++) dot += yRow[k] * gRow[k];
    for (let k = 0; k < yRow.length; k++) gRow[k] = yRow[k] * (gRow[k] - dot);
    dxs.write(r, gRow);
  }
}
