import type { KernelArgs, KernelName, KernelSignatures } from '@peftjs/core';
import { cpuKernels } from '../kernels/index.js';
import type { CpuStorage } from '../storage.js';
import { fastActivationBackward } from './activationBackward.js';
import { fastAdamwStep } from './adamwStep.js';
import { fastBinary } from './binary.js';
import { fastCast } from './cast.js';
import { fastCopy } from './copy.js';
import { fastCrossEntropy, fastCrossEntropyBackward } from './crossEntropy.js';
import { fastFill } from './fill.js';
import { fastLayerNorm, fastLayerNormBackward } from './layerNorm.js';
import { DEFAULT_FAST_MATMUL_CONFIG, createFastMatmul, fastMatmulFloat32, type FastMatmul } from './matmul.js';
import { fastQuantizedMatmul } from './quantizedMatmul.js';
import { fastReduce } from './reduce.js';
import { fastRmsNorm, fastRmsNormBackward } from './rmsNorm.js';
import { fastLogSoftmax, fastLogSoftmaxBackward, fastSoftmax, fastSoftmaxBackward } from './softmax.js';
import { fastUnary } from './unary.js';
import { fastWhere } from './where.js';

// the CPU backend implements every kernel, the optional ones included
type Table = Required<KernelSignatures<CpuStorage>>;
type ArgsOf<K extends KernelName> = KernelArgs<K, CpuStorage>;

/** A fast kernel answers true when it wrote the outputs, false when the reference must run instead. */
type Fast<K extends KernelName> = (args: ArgsOf<K>) => boolean;

function withFallback<K extends KernelName>(name: K, fast: Fast<K>): Table[K] {
  const reference = cpuKernels[name] as unknown as (args: ArgsOf<K>) => void;
  return ((args: ArgsOf<K>) => {
    if (!fast(args)) reference(args);
  }) as Table[K];
}

/**
 * The fast kernel set: loops straight over the typed arrays (no per-element index arithmetic or
 * closures) and a WebAssembly SIMD matmul (relaxed-SIMD FMA where the engine has it, split over
 * worker threads for large products), each falling back to the reference where it does not apply.
 * Everything but matmul computes exactly the reference's values.
 */
export const fastKernels: Table = {
  ...cpuKernels,
  fill: withFallback('fill', fastFill),
  copy: withFallback('copy', fastCopy),
  cast: withFallback('cast', fastCast),
  unary: withFallback('unary', fastUnary),
  binary: withFallback('binary', fastBinary),
  where: withFallback('where', fastWhere),
  reduce: withFallback('reduce', fastReduce),
  matmul: withFallback('matmul', fastMatmulFloat32),
  quantizedMatmul: withFallback('quantizedMatmul', fastQuantizedMatmul),
  softmax: withFallback('softmax', fastSoftmax),
  softmaxBackward: withFallback('softmaxBackward', fastSoftmaxBackward),
  logSoftmax: withFallback('logSoftmax', fastLogSoftmax),
  logSoftmaxBackward: withFallback('logSoftmaxBackward', fastLogSoftmaxBackward),
  layerNorm: withFallback('layerNorm', fastLayerNorm),
  layerNormBackward: withFallback('layerNormBackward', fastLayerNormBackward),
  rmsNorm: withFallback('rmsNorm', fastRmsNorm),
  rmsNormBackward: withFallback('rmsNormBackward', fastRmsNormBackward),
  crossEntropy: withFallback('crossEntropy', fastCrossEntropy),
  crossEntropyBackward: withFallback('crossEntropyBackward', fastCrossEntropyBackward),
  activationBackward: withFallback('activationBackward', fastActivationBackward),
  adamwStep: withFallback('adamwStep', fastAdamwStep),
};

const byThreads = new Map<number, { table: Table; matmul: FastMatmul }>();

function forThreads(threads: number): { table: Table; matmul: FastMatmul } {
  let entry = byThreads.get(threads);
  if (!entry) {
    const matmul = createFastMatmul(DEFAULT_FAST_MATMUL_CONFIG, { threads });
    entry = { table: { ...fastKernels, matmul: withFallback('matmul', matmul) }, matmul };
    byThreads.set(threads, entry);
  }
  return entry;
}

/** The fast kernel set with its matmul on `threads` threads (one pool of workers per count, made once). */
export function fastKernelsFor(threads: number): Table {
  return forThreads(threads).table;
}

/** The fast matmul of `fastKernelsFor(threads)`, or of the default set when threads is undefined. */
export function fastMatmulFor(threads: number | undefined): FastMatmul {
  return threads === undefined ? fastMatmulFloat32 : forThreads(threads).matmul;
}
