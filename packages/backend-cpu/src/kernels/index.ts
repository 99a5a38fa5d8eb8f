import type { KernelSignatures } from '@peftjs/core';
import type { CpuStorage } from '../storage.js';
import { activationBackward } from './activationBackward.js';
import { adamwStep } from './adamwStep.js';
import { arange } from './arange.js';
import { argmax } from './argmax.js';
import { binary } from './binary.js';
import { cast } from './cast.js';
import { copy } from './copy.js';
import { crossEntropy } from './crossEntropy.js';
import { crossEntropyBackward } from './crossEntropyBackward.js';
import { fill } from './fill.js';
import { gather } from './gather.js';
import { layerNorm } from './layerNorm.js';
import { layerNormBackward } from './layerNormBackward.js';
import { logSoftmax } from './logSoftmax.js';
import { logSoftmaxBackward } from './logSoftmaxBackward.js';
import { matmul } from './matmul.js';
import { quantizedMatmul } from './quantizedMatmul.js';
import { dequantize } from './dequantize.js';
import { randomBernoulli } from './randomBernoulli.js';
import { randomNormal } from './randomNormal.js';
import { randomUniform } from './randomUniform.js';
import { reduce } from './reduce.js';
import { rmsNorm } from './rmsNorm.js';
import { rmsNormBackward } from './rmsNormBackward.js';
import { scatterAdd } from './scatterAdd.js';
import { softmax } from './softmax.js';
import { softmaxBackward } from './softmaxBackward.js';
import { unary } from './unary.js';
import { where } from './where.js';

/** The reference kernels: every primitive, every fused kernel and every optional one. */
export const cpuKernels = {
  fill,
  arange,
  copy,
  cast,
  randomUniform,
  randomNormal,
  randomBernoulli,
  unary,
  binary,
  where,
  reduce,
  argmax,
  matmul,
  quantizedMatmul,
  dequantize,
  gather,
  scatterAdd,
  softmax,
  softmaxBackward,
  logSoftmax,
  logSoftmaxBackward,
  layerNorm,
  layerNormBackward,
  rmsNorm,
  rmsNormBackward,
  crossEntropy,
  crossEntropyBackward,
  activationBackward,
  adamwStep,
} satisfies Required<KernelSignatures<CpuStorage>>;
