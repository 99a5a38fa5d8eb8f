import type { KernelArgs, Layout } from '@peftjs/core';
import { blockAbsmaxValues, dequantizeWindow } from '../kernels/quantized-weight.js';
import type { CpuStorage } from '../storage.js';
import { fastMatmulFloat32 } from './matmul.js';

type Args = KernelArgs<'quantizedMatmul', CpuStorage>;

/** Floats of W dequantized at a time: a panel small enough to stay in cache, never the whole weight. */
const PANEL_FLOATS = 1 << 16;

const dense = (shape: number[], offset = 0, rowStride = shape[1]): Layout => ({ shape, strides: [rowStride, 1], offset });

/**
 * The fast dequantize-matmul for float32: W is dequantized one panel at a time into a scratch
 * buffer (rows of W for x · Wᵀ, columns for x · W, so each panel gives its own columns of out) and
 * each panel goes through the WebAssembly SIMD GEMM. Memory beyond the operands: one panel.
 * Returns false (the reference runs) for float64 or where the GEMM does not apply.
 */
export function fastQuantizedMatmul({ x, weight, transposeWeight, out }: Args): boolean {
  if (x.dtype !== 'float32' || out.dtype !== 'float32') return false;
  const { rows, cols } = weight;
  const m = x.layout.shape[0];
  const k = transposeWeight ? cols : rows;
  const n = transposeWeight ? rows : cols;
  if (m === 0 || n === 0) return true;
  const absmax = blockAbsmaxValues(weight);
  // a panel spans all of k and `width` output columns
  const width = Math.max(8, Math.min(n, Math.floor(PANEL_FLOATS / Math.max(k, 1))));
  const panel = new Float32Array(width * k);
  const a = { storage: x.storage, dtype: x.dtype, layout: dense([m, k], x.layout.offset) };
  for (let j0 = 0; j0 < n; j0 += width) {
    const j1 = Math.min(n, j0 + width);
    const w = j1 - j0;
    const buffer = panel.subarray(0, w * k);
    // x · Wᵀ: rows j0..j1 of W, [w, k], read transposed; x · W: columns j0..j1 of W, [k, w]
    if (transposeWeight) dequantizeWindow(weight, j0, j1, 0, cols, buffer, absmax);
    else dequantizeWindow(weight, 0, rows, j0, j1, buffer, absmax);
    const b = { storage: { data: buffer }, dtype: 'float32' as const, layout: transposeWeight ? dense([w, k]) : dense([k, w]) };
    const o = { storage: out.storage, dtype: out.dtype, layout: dense([m, w], out.layout.offset + j0, n) };
    if (!fastMatmulFloat32({ a, b, transA: false, transB: transposeWeight, out: o })) return false;
  }
  return true;
}
