import type { Args } from './args.js';
import { mapRows } from './values.js';

/** dx = y · (dy − Σ y·dy) over each row, from the softmax output y. */
export function softmaxBackward({ y, dy, dx }: Args<'softmaxBackward'>): void {
  mapRows(dx, [y, dy], ([yRow, gRow]) => {
    let dot = 0;
    for (let k = 0; k < yRow.length; k++) dot += yRow[k] * gRow[k];
    for (let k = 0; k < yRow.length; k++) gRow[k] = yRow[k] * (gRow[k] - dot);
    return gRow;
  });
}
