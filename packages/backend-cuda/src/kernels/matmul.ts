// Batched matmul with transpose flags and broadcast batches (native/kernels/matmul.cu: cuBLAS where
// loaded, else the tiled kernel).
import type { Kernel } from './args.js';

export const matmul: Kernel<'matmul'> = (gpu, { a, b, transA, transB, out }) =>
  gpu.launch('matmul', [a, b, out], [transA ? 1 : 0, transB ? 1 : 0]);
