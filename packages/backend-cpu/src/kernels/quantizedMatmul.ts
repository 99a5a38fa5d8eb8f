import type { Args } from './args.js';
import { dequantizeWindow } from './quantized-weight.js';

/**
 * The reference dequantize-matmul: W dequantized in full (the values the format defines), then a
 * plain product with float64 dot products. out = x · Wᵀ with transposeWeight, else x · W.
 */
export function quantizedMatmul({ x, weight, transposeWeight, out }: Args<'quantizedMatmul'>): void {
  const { rows, cols } = weight;
  const w = new Float64Array(rows * cols);
  dequantizeWindow(weight, 0, rows, 0, cols, w);
  const m = x.layout.shape[0];
  const k = transposeWeight ? cols : rows;
  const n = transposeWeight ? rows : cols;
  const xd = x.storage.data;
  const od = out.storage.data;
  const x0 = x.layout.offset;
  const o0 = out.layout.offset;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let p = 0; p < k; p++) dot += xd[x0 + i * k + p] * (transposeWeight ? w[j * cols + p] : w[p * cols + j]);
      od[o0 + i * n + j] = dot;
    }
  }
}
