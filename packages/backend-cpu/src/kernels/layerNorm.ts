import type { Args } from './args.js';
import { readAll, RowAccess, writeAll } from './values.js';

/**
 * Per row of D: mean = Σx/D, var = Σ(x − mean)²/D (biased, two passes), rstd = 1/√(var + eps),
 * y = (x − mean) · rstd · weight + bias. mean and rstd are saved for the backward.
 */
export function layerNorm({ x, weight, bias, eps, out, mean, rstd }: Args<'layerNorm'>): void {
  const xs = new RowAccess(x);
  const ys = new RowAccess(out);
  const d = xs.length;
  const w = weight ? readAll(weight) : null;
  const b = bias ? readAll(bias) : null;
  const means = new Float64Array(xs.count);
  const rstds = new Float64Array(xs.count);
  const row = new Float64Array(d);
  for (let r = 0; r < xs.count; r++) {
    xs.read(r, row);
    let sum = 0;
    for (const v of row) sum += v;
    const mu = sum / d;
    let sq = 0;
    for (const v of row) sq += (v - mu) * (v - mu);
    const s = 1 / Math.sqrt(sq / d + eps);
    for (let k = 0; k < d; k++) row[k] = (row[k] - mu) * s * (w ? w[k] : 1) + (b ? b[k] : 0);
    ys.write(r, row);
    means[r] = mu;
    rstds[r] = s;
  }
  writeAll(mean, means);
  writeAll(rstd, rstds);
}
