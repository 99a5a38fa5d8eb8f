import type { Args } from '../kernels/args.js';
import { rowsOf } from '../kernels/strided.js';
import { readAll, writeAll } from '../kernels/values.js';

/** RMS norm on the typed arrays, with the reference's float64 formulas in the same order. */
export function fastRmsNorm({ x, weight, eps, out, rstd }: Args<'rmsNorm'>): boolean {
  const xs = rowsOf(x.layout);
  const os = rowsOf(out.layout);
  const d = xs.length;
  const w = weight ? readAll(weight) : null;
  const xd = x.storage.data;
  const od = out.storage.data;
  const rstds = new Float64Array(xs.count);
  for (let r = 0; r < xs.count; r++) {
    const xi = xs.starts[r];
    const oi = os.starts[r];
    let sq = 0;
    for (let k = 0; k < d; k++) {
      const v = xd[xi + k * xs.step];
      sq += v * v;
    }
    const s = 1 / Math.sqrt(sq / d + eps);
    for (let k = 0; k < d; k++) od[oi + k * os.step] = xd[xi + k * xs.step] * (s * (w ? w[k] : 1));
    rstds[r] = s;
  }
  writeAll(rstd, rstds);
  return true;
}

/** dx = rstd · (g − x̂ · mean(g·x̂)) with g = dy·weight, dweight = Σ dy·x̂ (assigned). */
export function fastRmsNormBackward({ x, weight, rstd, dy, dx, dweight }: Args<'rmsNormBackward'>): boolean {
  const xs = rowsOf(x.layout);
  const gs = rowsOf(dy.layout);
  const os = rowsOf(dx.layout);
  const d = xs.length;
  const w = weight ? readAll(weight) : null;
  const rstds = readAll(rstd);
  const xd = x.storage.data;
  const gd = dy.storage.data;
  const od = dx.storage.data;
  const dw = new Float64Array(d);
  const xhat = new Float64Array(d);
  const g = new Float64Array(d);
  for (let r = 0; r < xs.count; r++) {
    const xi = xs.starts[r];
    const gi = gs.starts[r];
    const s = rstds[r];
    let gxMean = 0;
    for (let k = 0; k < d; k++) {
      const h = xd[xi + k * xs.step] * s;
      let gk = gd[gi + k * gs.step];
      dw[k] += gk * h;
      if (w) gk *= w[k];
      gxMean += (gk * h) / d;
      xhat[k] = h;
      g[k] = gk;
    }
    const oi = os.starts[r];
    for (let k = 0; k < d; k++) od[oi + k * os.step] = s * (g[k] - xhat[k] * gxMean);
  }
  if (dweight) writeAll(dweight, dw);
  return true;
}
