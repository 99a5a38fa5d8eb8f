import type { CompleteKernelTable } from '@peftjs/core';
import type { Launcher } from '../launch.js';
import type { CudaStorage } from '../storage.js';
import type { Args } from './args.js';
import { arange, cast, copy, fill, randomBernoulli, randomNormal, randomUniform } from './creation.js';
import { binary, unary, where } from './elementwise.js';
import {
  crossEntropy,
  crossEntropyBackward,
  layerNorm,
  layerNormBackward,
  logSoftmax,
  logSoftmaxBackward,
  rmsNorm,
  rmsNormBackward,
  softmax,
  softmaxBackward,
} from './fused.js';
import { gather, scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { dequantize, quantizedMatmul } from './quantized.js';
import { argmax, reduce } from './reduce.js';

export type CudaKernels = CompleteKernelTable<CudaStorage>;

const KERNELS = {
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
} satisfies { [K in keyof CudaKernels]: (gpu: Launcher, args: Args<K>) => void };

/** Every primitive and fused kernel, bound to the launcher of one backend. */
export function makeKernels(gpu: Launcher): CudaKernels {
  const table: Record<string, (args: unknown) => void> = {};
  for (const [name, kernel] of Object.entries(KERNELS)) table[name] = (args) => (kernel as (g: Launcher, a: unknown) => void)(gpu, args);
  return table as unknown as CudaKernels;
}
