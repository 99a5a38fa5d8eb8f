import type { Args, Gpu } from './args.js';
import { forLane, rowKernel } from './rows.js';

/** dx = dy − exp(y) · Σ dy over each row, from the log-softmax output y. */
export function logSoftmaxBackward(gpu: Gpu, { y, dy, dx }: Args<'logSoftmaxBackward'>): void {
  rowKernel(
    gpu,
    'logSoftmaxBackward',
    '',
    y,
    [
      { name: 'dx', info: dx, access: 'read_write' },
      { name: 'y', info: y },
      { name: 'dy', info: dy },
    ],
    `
  var sum = 0.0;
${forLane('    sum += dy[dyAt(row, k)];')}
  sum = rowSum(sum, lane);
${forLane('    dx[dxAt(row, k)] = dy[dyAt(row, k)] - exp(y[yAt(row, k)]) * sum;')}`,
  );
}
