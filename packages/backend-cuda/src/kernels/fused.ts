// The fused kernels over the last axis and their backward kernels (native/kernels/softmax.cu,
// norms.cu, cross_entropy.cu). Tensor order here is the order the native launchers read.
import type { Kernel } from './args.js';

export const softmax: Kernel<'softmax'> = (gpu, { x, out }) => gpu.launch('softmax', [x, out]);
export const softmaxBackward: Kernel<'softmaxBackward'> = (gpu, { y, dy, dx }) => gpu.launch('softmaxBackward', [y, dy, dx]);
export const logSoftmax: Kernel<'logSoftmax'> = (gpu, { x, out }) => gpu.launch('logSoftmax', [x, out]);
export const logSoftmaxBackward: Kernel<'logSoftmaxBackward'> = (gpu, { y, dy, dx }) => gpu.launch('logSoftmaxBackward', [y, dy, dx]);

export const layerNorm: Kernel<'layerNorm'> = (gpu, { x, weight, bias, eps, out, mean, rstd }) =>
  gpu.launch('layerNorm', [x, weight, bias, out, mean, rstd], [], [eps]);
export const layerNormBackward: Kernel<'layerNormBackward'> = (gpu, { x, weight, mean, rstd, dy, dx, dweight, dbias }) =>
  gpu.launch('layerNormBackward', [x, weight, mean, rstd, dy, dx, dweight, dbias]);

export const rmsNorm: Kernel<'rmsNorm'> = (gpu, { x, weight, eps, out, rstd }) => gpu.launch('rmsNorm', [x, weight, out, rstd], [], [eps]);
export const rmsNormBackward: Kernel<'rmsNormBackward'> = (gpu, { x, weight, rstd, dy, dx, dweight }) =>
  gpu.launch('rmsNormBackward', [x, weight, rstd, dy, dx, dweight]);

export const crossEntropy: Kernel<'crossEntropy'> = (gpu, { logits, target, ignoreIndex, labelSmoothing, loss }) =>
  gpu.launch('crossEntropy', [logits, target, loss], [ignoreIndex], [labelSmoothing]);
export const crossEntropyBackward: Kernel<'crossEntropyBackward'> = (
  gpu,
  { logits, target, dloss, ignoreIndex, labelSmoothing, dlogits },
) => gpu.launch('crossEntropyBackward', [logits, target, dloss, dlogits], [ignoreIndex], [labelSmoothing]);
