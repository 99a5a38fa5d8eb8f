import { Params, type Args, type Gpu } from './args.js';
import { checkTargets, crossEntropyRow } from './crossEntropy.js';
import { forLane, rowKernel } from './rows.js';

/** dlogits[n, c] = dloss[n] · (p_c − (1 − ε)·[c == t] − ε/C), p = softmax(logits[n]); 0 for ignored rows, NaN for out-of-range targets (reported like the loss's). */
export function crossEntropyBackward(
  gpu: Gpu,
  { logits, target, dloss, ignoreIndex, labelSmoothing, dlogits }: Args<'crossEntropyBackward'>,
): void {
  const p = new Params();
  const ignoreAt = p.i(ignoreIndex);
  const epsAt = p.f(labelSmoothing);
  const check = checkTargets(gpu, p, logits);
  rowKernel(
    gpu,
    'crossEntropyBackward',
    '',
    logits,
    [
      { name: 'dlogits', info: dlogits, access: 'read_write' },
      { name: 'logits', info: logits },
      { name: 'targets', info: target, flat: true },
      { name: 'dloss', info: dloss, flat: true },
    ],
    `${crossEntropyRow(ignoreAt)}
  let eps = pf(${epsAt}u);
  let scale = dloss[dlossAt(row)];
${forLane(`    let smoothed = select(0.0, 1.0 - eps, i32(k) == t) + eps / f32(D);
    var g = scale * (exp(logits[logitsAt(row, k)] - m - logSum) - smoothed);
    if (!inRange) { g = nan(); }
    if (ignored) { g = 0.0; }
    dlogits[dlogitsAt(row, k)] = g;`)}`,
    p,
    check,
  );
}
