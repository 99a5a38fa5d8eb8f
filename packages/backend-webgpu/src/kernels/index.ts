import type { CompleteKernelTable } from '@peftjs/core';
import type { WebGPUStorage } from '../storage.js';
import type { Args, Gpu } from './args.js';
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

export type WebGPUKernels = CompleteKernelTable<WebGPUStorage>;

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
} satisfies { [K in keyof WebGPUKernels]: (gpu: Gpu, args: Args<K>) => void };

/**
 * The kernels that read and write float16/bfloat16 (packed, computed in f32): what autocast runs in
 * half. The others (norms, softmax, losses, indexing, quantized matmul) take float32, which is what
 * autocast gives them; a half argument there is refused by name.
 */
const HALF_KERNELS: ReadonlySet<string> = new Set([
  'fill',
  'arange',
  'copy',
  'cast',
  'randomUniform',
  'randomNormal',
  'randomBernoulli',
  'unary',
  'binary',
  'where',
  'reduce',
  'matmul',
]);

/** Every primitive and fused kernel, bound to the device that runs them. */
export function makeKernels(gpu: Gpu): WebGPUKernels {
  const table: Record<string, (args: any) => void> = {};
  for (const [name, kernel] of Object.entries(KERNELS)) {
    const run = kernel as (g: Gpu, a: unknown) => void;
    table[name] = HALF_KERNELS.has(name)
      ? (args) => run(gpu, args)
      : (args) => {
          refuseHalf(name, args);
          run(gpu, args);
        };
  }
  return table as unknown as WebGPUKernels;
}

function refuseHalf(kernel: string, args: Record<string, unknown>): void {
  for (const [arg, value] of Object.entries(args)) {
    const dtype = (value as { dtype?: unknown } | null)?.dtype;
    if (dtype === 'float16' || dtype === 'bfloat16') {
      throw new TypeError(`webgpu: ${kernel} does not take ${dtype} (argument ${arg}); cast it to float32 first (autocast does)`);
    }
  }
}
