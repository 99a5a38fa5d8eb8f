import { Params, type Args, type Gpu, type Info } from './args.js';
import type { ExtraBindings } from '../index-checks.js';
import { forLane, rowKernel } from './rows.js';

/** The status slot for targets out of range: the error core raises where it can read targets first. */
export function checkTargets(gpu: Gpu, p: Params, logits: Info): ExtraBindings {
  const classes = logits.layout.shape[logits.layout.shape.length - 1];
  return gpu.checkIndices(p, (v) => `crossEntropy: target ${v} is out of range for ${classes} classes`);
}

/** WGSL shared by the loss and its gradient: the row's target (reported if out of range, clamped for reads) and log Σ exp in two parts. */
export function crossEntropyRow(ignoreAt: number): string {
  return `
  let t = targets[targetsAt(row)];
  let ignored = t == pi(${ignoreAt}u);
  let inRange = t >= 0 && u32(t) < D;
  if (!inRange && !ignored && lane == 0u) { reportBadIndex(t); }
  var m = -inf();
${forLane('    let v = logits[logitsAt(row, k)]; m = select(select(m, v, v > m), v, isNan(v));')}
  m = rowMax(m, lane);
  var s = 0.0;
${forLane('    s += exp(logits[logitsAt(row, k)] - m);')}
  let logSum = log(rowSum(s, lane));`;
}

/**
 * Per row n with target t: nll = lse − x_t and smooth = mean_c(lse − x_c), lse = log Σ_c exp(x_c);
 * loss = (1 − ε)·nll + ε·smooth, 0 where t == ignoreIndex. A target out of range gives NaN and is
 * reported: the next read raises crossEntropy's error (core checks targets first only where reads
 * are synchronous).
 */
export function crossEntropy(gpu: Gpu, { logits, target, ignoreIndex, labelSmoothing, loss }: Args<'crossEntropy'>): void {
  const p = new Params();
  const ignoreAt = p.i(ignoreIndex);
  const epsAt = p.f(labelSmoothing);
  const check = checkTargets(gpu, p, logits);
  rowKernel(
    gpu,
    'crossEntropy',
    '',
    logits,
    [
      { name: 'loss', info: loss, access: 'read_write', flat: true },
      { name: 'logits', info: logits },
      { name: 'targets', info: target, flat: true },
    ],
    `${crossEntropyRow(ignoreAt)}
  var gap = 0.0;
${forLane('    gap += m - logits[logitsAt(row, k)];')}
  gap = rowSum(gap, lane);
  let eps = pf(${epsAt}u);
  let nll = m - logits[logitsAt(row, select(0u, u32(t), inRange))] + logSum;
  let smoothLoss = gap / f32(D) + logSum;
  var value = select((1.0 - eps) * nll + eps * smoothLoss, nll, eps == 0.0);
  if (!inRange) { value = nan(); }
  if (ignored) { value = 0.0; }
  if (lane == 0u) { loss[lossAt(row)] = value; }`,
    p,
    check,
  );
}
