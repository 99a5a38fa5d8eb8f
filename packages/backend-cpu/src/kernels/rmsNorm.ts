import type { Args } from './args.js';
import { mapRows, readAll, writeAll } from './values.js';

/** Per row of D: rstd = 1/√(Σx²/D + eps), y = x · rstd · weight. rstd is saved for the backward. */
export function rmsNorm({ x, weight, eps, out, rstd }: Args<'rmsNorm'>): void {
  const d = x.layout.shape[x.layout.shape.length - 1];
  const w = weight ? readAll(weight) : null;
  const rstds = new Float64Array(rstd.layout.shape[0]);
  mapRows(out, [x], ([row], r) => {
    let sq = 0;
    for (const v of row) sq += v * v;
    const s = 1 / Math.sqrt(sq / d + eps);
    for (let k = 0; k < d; k++) row[k] *= s * (w ? w[k] : 1);
    rstds[r] = s;
    return row;
  });
  writeAll(rstd, rstds);
}
