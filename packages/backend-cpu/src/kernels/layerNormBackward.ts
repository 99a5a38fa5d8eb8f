import type { Args } from './args.js';
import { mapRows, readAll, writeAll } from './values.js';

/**
 * With x̂ = (x − mean)·rstd and g = dy·weight, per row of D:
 *   dx = rstd · (g − mean(g) − x̂ · mean(g·x̂))
 *   dweight = Σ_rows dy·x̂,  dbias = Σ_rows dy   (assigned, not accumulated)
 */
export function layerNormBackward({ x, weight, mean, rstd, dy, dx, dweight, dbias }: Args<'layerNormBackward'>): void {
  const d = x.layout.shape[x.layout.shape.length - 1];
  const w = weight ? readAll(weight) : null;
  const means = readAll(mean);
  const rstds = readAll(rstd);
  const dw = new Float64Array(d);
  const db = new Float64Array(d);
  mapRows(dx, [x, dy], ([xhat, g], r) => {
    let gMean = 0;
    let gxMean = 0;
    for (let k = 0; k < d; k++) {
      xhat[k] = (xhat[k] - means[r]) * rstds[r];
      dw[k] += g[k] * xhat[k];
      db[k] += g[k];
      if (w) g[k] *= w[k];
      gMean += g[k] / d;
      gxMean += (g[k] * xhat[k]) / d;
    }
    for (let k = 0; k < d; k++) g[k] = rstds[r] * (g[k] - gMean - xhat[k] * gxMean);
    return g;
  });
  if (dweight) writeAll(dweight, dw);
  if (dbias) writeAll(dbias, db);
}
