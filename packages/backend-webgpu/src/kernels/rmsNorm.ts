import { Params, type Args, type Gpu } from './args.js';
import { forLane, rowKernel } from './rows.js';

/** Per row of D: rstd = 1/√(Σx²/D + eps), y = x · rstd · weight. rstd is saved for the backward. */
export function rmsNorm(gpu: Gpu, { x, weight, eps, out, rstd }: Args<'rmsNorm'>): void {
  const p = new Params();
  const epsAt = p.f(eps);
  const w = weight ? 'weight[weightAt(k)]' : '1.0';
  rowKernel(
    gpu,
    'rmsNorm',
    `${!!weight}`,
    x,
    [
      { name: 'out', info: out, access: 'read_write' },
      { name: 'rstd', info: rstd, access: 'read_write', flat: true },
      { name: 'x', info: x },
      weight && { name: 'weight', info: weight, flat: true },
    ],
    `
  var sq = 0.0;
${forLane('    let v = x[xAt(row, k)]; sq += v * v;')}
  let s = 1.0 / sqrt(rowSum(sq, lane) / f32(D) + pf(${epsAt}u));
${forLane(`    out[outAt(row, k)] = x[xAt(row, k)] * s * ${w};`)}
  if (lane == 0u) { rstd[rstdAt(row)] = s; }`,
    p,
  );
}
