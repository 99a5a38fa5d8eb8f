import type { Args, Gpu } from './args.js';
import { columnKernel, forLane, rowKernel } from './rows.js';

/**
 * With x̂ = (x − mean)·rstd and g = dy·weight, per row of D:
 *   dx = rstd · (g − mean(g) − x̂ · mean(g·x̂))
 *   dweight = Σ_rows dy·x̂,  dbias = Σ_rows dy   (assigned, in a second pass a thread a column)
 */
export function layerNormBackward(gpu: Gpu, { x, weight, mean, rstd, dy, dx, dweight, dbias }: Args<'layerNormBackward'>): void {
  const w = weight ? ' * weight[weightAt(k)]' : '';
  const saved = [
    { name: 'x', info: x },
    { name: 'mean', info: mean, flat: true },
    { name: 'rstd', info: rstd, flat: true },
    { name: 'dy', info: dy },
  ];
  rowKernel(
    gpu,
    'layerNormBackward',
    `${!!weight}`,
    x,
    [{ name: 'dx', info: dx, access: 'read_write' }, ...saved, weight && { name: 'weight', info: weight, flat: true }],
    `
  let mu = mean[meanAt(row)];
  let s = rstd[rstdAt(row)];
  var gSum = 0.0;
  var gxSum = 0.0;
${forLane(`    let g = dy[dyAt(row, k)]${w};
    gSum += g;
    gxSum += g * (x[xAt(row, k)] - mu) * s;`)}
  let gMean = rowSum(gSum, lane) / f32(D);
  let gxMean = rowSum(gxSum, lane) / f32(D);
${forLane(`    let g = dy[dyAt(row, k)]${w};
    dx[dxAt(row, k)] = s * (g - gMean - (x[xAt(row, k)] - mu) * s * gxMean);`)}`,
  );
  if (!dweight && !dbias) return;
  columnKernel(
    gpu,
    'layerNormBackwardParams',
    `${!!dweight}${!!dbias}`,
    x,
    [
      dweight && { name: 'dweight', info: dweight, access: 'read_write', flat: true },
      dbias && { name: 'dbias', info: dbias, access: 'read_write', flat: true },
      ...saved,
    ],
    `
  var dw = 0.0;
  var db = 0.0;
  for (var r = 0u; r < ROWS(); r++) {
    let g = dy[dyAt(r, k)];
    dw += g * (x[xAt(r, k)] - mean[meanAt(r)]) * rstd[rstdAt(r)];
    db += g;
  }
  ${dweight ? 'dweight[dweightAt(k)] = dw;' : ''}
  ${dbias ? 'dbias[dbiasAt(k)] = db;' : ''}`,
  );
}
