import type { Args, Gpu } from './args.js';
import { forLane, rowKernel } from './rows.js';

/** y = exp(x − max) / Σ exp(x − max) over each row (a NaN or a row of −∞ gives NaN, like PyTorch). */
export function softmax(gpu: Gpu, { x, out }: Args<'softmax'>): void {
  rowKernel(
    gpu,
    'softmax',
    '',
    x,
    [
      { name: 'out', info: out, access: 'read_write' },
      { name: 'x', info: x },
    ],
    `
  var m = -inf();
${forLane('    let v = x[xAt(row, k)]; m = select(select(m, v, v > m), v, isNan(v));')}
  m = rowMax(m, lane);
  var s = 0.0;
${forLane('    s += exp(x[xAt(row, k)] - m);')}
  s = rowSum(s, lane);
${forLane('    out[outAt(row, k)] = exp(x[xAt(row, k)] - m) / s;')}`,
  );
}
