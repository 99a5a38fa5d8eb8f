import type { Args, Gpu } from './args.js';
import { forLane, rowKernel } from './rows.js';

/** dx = y · (dy − Σ y·dy) over each row, from the softmax output y. */
export function softmaxBackward(gpu: Gpu, { y, dy, dx }: Args<'softmaxBackward'>): void {
  rowKernel(
    gpu,
    'softmaxBackward',
    '',
    y,
    [
      { name: 'dx', info: dx, access: 'read_write' },
      { name: 'y', info: y },
      { name: 'dy', info: dy },
    ],
    `
  var dot = 0.0;
${forLane('    dot += y[yAt(row, k)] * dy[dyAt(row, k)];')}
  dot = rowSum(dot, lane);
${forLane('    dx[dxAt(row, k)] = y[yAt(row, k)] * (dy[dyAt(row, k)] - dot);')}`,
  );
}
