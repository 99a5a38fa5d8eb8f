import type { Args } from './args.js';
import { readAll, RowAccess, writeAll } from './values.js';

/** Per row of D: rstd = 1/√(Σx²/D + eps), y = x · rstd · weight. rstd is saved for the backward. */
export function rmsNorm({ x, weight, eps, out, rstd }: Args<'rmsNorm'>): void {
  const xs = new RowAccess(x);
  const ys = new RowAccess(out);
  const d = xs.length;
  const w = weight ? readAll(weight) : null;
  const rstds = new Float64Array(xs.count);
  const row = new Float64Array(d);
  for (let r = 0; r < xs.count; r++) {
    xs.read(r, row);
    let sq = 0;
    for (const v of row) sq += v * v;
    const s = 1 / Math.sqrt(sq / d + eps);
    for (let k = 0; k < d; k++) row[k] *= s * (w ? w[k] : 1);
    ys.write(r, row);
    rstds[r] = s;
  }
  writeAll(rstd, rstds);
}
