import type { Args, Gpu } from './args.js';
import { forLane, rowKernel } from './rows.js';

/** y = (x − max) − log Σ exp(x − max) over each row. */
export function logSoftmax(gpu: Gpu, { x, out }: Args<'logSoftmax'>): void {
  rowKernel(
    gpu,
    'logSoftmax',
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
  let logSum = log(rowSum(s, lane));
${forLane('    out[outAt(row, k)] = (x[xAt(row, k)] - m) - logSum;')}`,
  );
}
