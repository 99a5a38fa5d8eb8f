// gather and scatterAdd (native/kernels/indexing.cu); out-of-range indices surface at the next read.
import type { Kernel } from './args.js';

export const gather: Kernel<'gather'> = (gpu, { x, indices, axis, out }) => gpu.launch('gather', [x, indices, out], [axis]);
export const scatterAdd: Kernel<'scatterAdd'> = (gpu, { src, indices, axis, out }) => gpu.launch('scatterAdd', [src, indices, out], [axis]);
