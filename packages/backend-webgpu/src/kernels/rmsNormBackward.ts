import type { Args, Gpu } from './args.js';
import { columnKernel, forLane, rowKernel } from './rows.js';

/**
 * With x̂ = x·rstd and g = dy·weight, per row of D:
 *   dx = rstd · (g − x̂ · mean(g·x̂)),  dweight = Σ_rows dy·x̂ (assigned, a thread a column)
 */
export function rmsNormBackward(gpu: Gpu, { x, weight, rstd, dy, dx, dweight }: Args<'rmsNormBackward'>): void {
  const w = weight ? ' * weight[weightAt(k)]' : '';
  const saved = [
    { name: 'x', info: x },
    { name: 'rstd', info: rstd, flat: true },
    { name: 'dy', info: dy },
  ];
  rowKernel(
    gpu,
    'rmsNormBackward',
    `${!!weight}`,
    x,
    [{ name: 'dx', info: dx, access: 'read_write' }, ...saved, weight && { name: 'weight', info: weight, flat: true }],
    `
  let s = rstd[rstdAt(row)];
  var gxSum = 0.0;
${forLane(`    gxSum += dy[dyAt(row, k)]${w} * x[xAt(row, k)] * s;`)}
  let gxMean = rowSum(gxSum, lane) / f32(D);
${forLane(`    dx[dxAt(row, k)] = s * (dy[dyAt(row, k)]${w} - x[xAt(row, k)] * s * gxMean);`)}`,
  );
  if (!dweight) return;
  columnKernel(
    gpu,
    'rmsNormBackwardWeight',
    '',
    x,
    [{ name: 'dweight', info: dweight, access: 'read_write', flat: true }, ...saved],
    `
  var dw = 0.0;
  for (var r = 0u; r < ROWS(); r++) { dw += dy[dyAt(r, k)] * x[xAt(r, k)] * rstd[rstdAt(r)]; }
  dweight[dweightAt(k)] = dw;`,
  );
}
