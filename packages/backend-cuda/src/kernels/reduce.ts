// reduce and argmax (native/kernels/reduce.cu): the reduced axes travel as a bit mask.
import { REDUCE_CODES } from '../launch.js';
import type { Kernel } from './args.js';

export const reduce: Kernel<'reduce'> = (gpu, { op, x, axes, out }) => {
  let mask = 0;
  for (const axis of axes) mask |= 1 << axis;
  gpu.launch('reduce', [x, out], [REDUCE_CODES[op], mask]);
};

export const argmax: Kernel<'argmax'> = (gpu, { x, axis, out }) => gpu.launch('argmax', [x, out], [axis]);
