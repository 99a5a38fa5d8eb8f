import { Params, type Args, type Gpu } from './args.js';
import { forLane, rowKernel } from './rows.js';

/**
 * Per row of D: mean = Σx/D, var = Σ(x − mean)²/D (biased, two passes), rstd = 1/√(var + eps),
 * y = (x − mean) · rstd · weight + bias. mean and rstd are saved for the backward.
 */
export function layerNorm(gpu: Gpu, { x, weight, bias, eps, out, mean, rstd }: Args<'layerNorm'>): void {
  const p = new Params();
  const epsAt = p.f(eps);
  const w = weight ? 'weight[weightAt(k)]' : '1.0';
  const b = bias ? 'bias[biasAt(k)]' : '0.0';
  rowKernel(
    gpu,
    'layerNorm',
    `${!!weight}${!!bias}`,
    x,
    [
      { name: 'out', info: out, access: 'read_write' },
      { name: 'mean', info: mean, access: 'read_write', flat: true },
      { name: 'rstd', info: rstd, access: 'read_write', flat: true },
      { name: 'x', info: x },
      weight && { name: 'weight', info: weight, flat: true },
      bias && { name: 'bias', info: bias, flat: true },
    ],
    `
  var sum = 0.0;
${forLane('    sum += x[xAt(row, k)];')}
  let mu = rowSum(sum, lane) / f32(D);
  var sq = 0.0;
${forLane('    let c = x[xAt(row, k)] - mu; sq += c * c;')}
  let s = 1.0 / sqrt(rowSum(sq, lane) / f32(D) + pf(${epsAt}u));
${forLane(`    out[outAt(row, k)] = (x[xAt(row, k)] - mu) * s * ${w} + ${b};`)}
  if (lane == 0u) { mean[meanAt(row)] = mu; rstd[rstdAt(row)] = s; }`,
    p,
  );
}
