import type { Args } from './args.js';
import { readAll, RowAccess, writeAll } from './values.js';

/**
 * With x̂ = x·rstd and g = dy·weight, per row of D:
 *   dx = rstd · (g − x̂ · mean(g·x̂)),  dweight = Σ_rows dy·x̂ (assigned)
 */
export function rmsNormBackward({ x, weight, rstd, dy, dx, dweight }: Args<'rmsNormBackward'>): void {
  const xs = new RowAccess(x);
  const dys = new RowAccess(dy);
  const dxs = new RowAccess(dx);
  const d = xs.length;
  const w = weight ? readAll(weight) : null;
  const rstds = readAll(rstd);
  const dw = new Float64Array(d);
  const xhat = new Float64Array(d);
  const g = new Float64Array(d);
  for (let r = 0; r < xs.count; r++) {
    xs.read(r, xhat);
    dys.read(r, g);
    let gxMean = 0;
    for (let k = 0; k < d; k++) {
      xhat[k] *= rstds[r];
      dw[k] += g[k] * xhat[k];
      if (w) g[k] *= w[k];
      gxMean += (g[k] * xhat[k]) / d;
    }
    for (let k = 0; k < d; k++) g[k] = rstds[r] * (g[k] - xhat[k] * gxMean);
    dxs.write(r, g);
  }
  if (dweight) writeAll(dweight, dw);
}
