import type { Args } from './args.js';
import { mapRows, readAll, writeAll } from './values.js';

/**
 * Per row of D: mean = Σx/D, var = Σ(x − mean)²/D (biased, two passes), rstd = 1/√(var + eps),
 * y = (x − mean) · rstd · weight + bias. mean and rstd are saved for the backward.
 */
export function layerNorm({ x, weight, bias, eps, out, mean, rstd }: Args<'layerNorm'>): void {
  const d = x.layout.shape[x.layout.shape.length - 1];
  const w = weight ? readAll(weight) : null;
  const b = bias ? readAll(bias) : null;
  const means = new Float64Array(mean.layout.shape[0]);
  const rstds = new Float64Array(means.length);
  mapRows(out, [x], ([row], r) => {
    let sum = 0;
    for (const v of row) sum += v;
    const mu = sum / d;
    let sq = 0;
    for (const v of row) sq += (v - mu) * (v - mu);
    const s = 1 / Math.sqrt(sq / d + eps);
    for (let k = 0; k < d; k++) row[k] = (row[k] - mu) * s * (w ? w[k] : 1) + (b ? b[k] : 0);
    means[r] = mu;
    rstds[r] = s;
    return row;
  });
  writeAll(mean, means);
  writeAll(rstd, rstds);
}
