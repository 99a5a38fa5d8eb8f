// fill, arange, copy, cast and the Philox streams (native/kernels/elementwise.cu, random.cu).
import type { Kernel } from './args.js';

export const fill: Kernel<'fill'> = (gpu, { out, value }) => gpu.launch('fill', [out], [], [value]);
export const arange: Kernel<'arange'> = (gpu, { out, start, step }) => gpu.launch('arange', [out], [], [start, step]);
export const copy: Kernel<'copy'> = (gpu, { src, dst }) => gpu.launch('copy', [src, dst]);
export const cast: Kernel<'cast'> = (gpu, { x, out }) => gpu.launch('cast', [x, out]);

export const randomUniform: Kernel<'randomUniform'> = (gpu, { out, low, high, key, counter }) =>
  gpu.launch('randomUniform', [out], [key[0], key[1], counter[0], counter[1]], [low, high]);
export const randomNormal: Kernel<'randomNormal'> = (gpu, { out, mean, std, key, counter }) =>
  gpu.launch('randomNormal', [out], [key[0], key[1], counter[0], counter[1]], [mean, std]);
export const randomBernoulli: Kernel<'randomBernoulli'> = (gpu, { out, p, key, counter }) =>
  gpu.launch('randomBernoulli', [out], [key[0], key[1], counter[0], counter[1]], [p]);
