import type { Args } from '../kernels/args.js';
import { rowsOf } from '../kernels/strided.js';
import { readAll, writeAll } from '../kernels/values.js';

/** Layer norm on the typed arrays, with the reference's float64 formulas in the same order. */
export function fastLayerNorm({ x, weight, bias, eps, out, mean, rstd }: Args<'layerNorm'>): boolean {
  const xs = rowsOf(x.layout);
  const os = rowsOf(out.layout);
  const d = xs.length;
  const w = weight ? readAll(weight) : null;
  const b = bias ? readAll(bias) : null;
  const xd = x.storage.data;
  const od = out.storage.data;
  const means = new Float64Array(xs.count);
  const rstds = new Float64Array(xs.count);
  for (let r = 0; r < xs.count; r++) {
    const xi = xs.starts[r];
    const oi = os.starts[r];
    let sum = 0;
    for (let k = 0; k < d; k++) sum += xd[xi + k * xs.step];
    const mu = sum / d;
    let sq = 0;
    for (let k = 0; k < d; k++) {
      const c = xd[xi + k * xs.step] - mu;
      sq += c * c;
    }
    const s = 1 / Math.sqrt(sq / d + eps);
    for (let k = 0; k < d; k++) od[oi + k * os.step] = (xd[xi + k * xs.step] - mu) * s * (w ? w[k] : 1) + (b ? b[k] : 0);
    means[r] = mu;
    rstds[r] = s;
  }
  writeAll(mean, means);
  writeAll(rstd, rstds);
  return true;
}

/** dx = rstd · (g − mean(g) − x̂ · mean(g·x̂)), dweight = Σ dy·x̂, dbias = Σ dy (assigned). */
export function fastLayerNormBackward({ x, weight, mean, rstd, dy, dx, dweight, dbias }: Args<'layerNormBackward'>): boolean {
  const xs = rowsOf(x.layout);
  const gs = rowsOf(dy.layout);
  const os = rowsOf(dx.layout);
  const d = xs.length;
  const w = weight ? readAll(weight) : null;
  const means = readAll(mean);
  const rstds = readAll(rstd);
  const xd = x.storage.data;
  const gd = dy.storage.data;
  const od = dx.storage.data;
  const dw = new Float64Array(d);
  const db = new Float64Array(d);
  const xhat = new Float64Array(d);
  const g = new Float64Array(d);
  for (let r = 0; r < xs.count; r++) {
    const xi = xs.starts[r];
    const gi = gs.starts[r];
    const oi = os.starts[r];
    const mu = means[r];
    const s = rstds[r];
    let gMean = 0;
    let gxMean = 0;
    for (let k = 0; k < d; k++) {
      const h = (xd[xi + k * xs.step] - mu) * s;
      let gk = gd[gi + k * gs.step];
      dw[k] += gk * h;
      db[k] += gk;
      if (w) gk *= w[k];
      gMean += gk / d;
      gxMean += (gk * h) / d;
      xhat[k] = h;
      g[k] = gk;
    }
    for (let k = 0; k < d; k++) od[oi + k * os.step] = s * (g[k] - gMean - xhat[k] * gxMean);
  }
  if (dweight) writeAll(dweight, dw);
  if (dbias) writeAll(dbias, db);
  return true;
}
