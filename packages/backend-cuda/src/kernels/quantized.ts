// dequantize and quantizedMatmul (native/kernels/quantized.cu): the weight's buffers travel in fixed
// slots (absent ones null) with its geometry as integer attributes, in the order the native side reads.
import type { QuantizedWeightInfo } from '@peftjs/core';
import type { Info } from '../launch.js';
import type { CudaStorage } from '../storage.js';
import type { Kernel } from './args.js';

const FORMAT_CODES = { nf4: 0, int8: 1 } as const;

/** codes, codeMap, absmax, nested codes, nested codeMap, nested absmax, nested offset. */
function weightTensors(w: QuantizedWeightInfo<CudaStorage>): (Info | null)[] {
  const n = w.nested;
  return [w.codes, w.codeMap, w.absmax, n?.codes ?? null, n?.codeMap ?? null, n?.absmax ?? null, n?.offset ?? null];
}

/** format, rows, cols, blockSize, nested blockSize (0 without double quantization). */
function weightInts(w: QuantizedWeightInfo<CudaStorage>): number[] {
  return [FORMAT_CODES[w.format], w.rows, w.cols, w.blockSize, w.nested?.blockSize ?? 0];
}

/** The tiled GEMM with the weight dequantized as its tiles are staged (no float copy of W). */
export const quantizedMatmul: Kernel<'quantizedMatmul'> = (gpu, { x, weight, transposeWeight, out }) =>
  gpu.launch('quantizedMatmul', [x, out, ...weightTensors(weight)], [...weightInts(weight), transposeWeight ? 1 : 0]);

export const dequantize: Kernel<'dequantize'> = (gpu, { weight, out }) =>
  gpu.launch('dequantize', [out, ...weightTensors(weight)], weightInts(weight));
