import type { Args } from './args.js';
import { mapRows, readAll, writeAll } from './values.js';

/**
 * With x̂ = x·rstd and g = dy·weight, per row of D:
 *   dx = rstd · (g − x̂ · mean(g·x̂)),  dweight = Σ_rows dy·x̂ (assigned)
 */
export function rmsNormBackward({ x, weight, rstd, dy, dx, dweight }: Args<'rmsNormBackward'>): void {
  const d = x.layout.shape[x.layout.shape.length - 1];
  const w = weight ? readAll(weight) : null;
  const rstds = readAll(rstd);
  const dw = new Float64Array(d);
  mapRows(dx, [x, dy], ([xhat, g], r) => {
    let gxMean = 0;
    for (let k = 0; k < d; k++) {
      xhat[k] *= rstds[r];
      dw[k] += g[k] * xhat[k];
      if (w) g[k] *= w[k];
      gxMean += (g[k] * xhat[k]) / d;
    }
    for (let k = 0; k < d; k++) g[k] = rstds[r] * (g[k] - xhat[k] * gxMean);
    return g;
  });
  if (dweight) writeAll(dweight, dw);
}
