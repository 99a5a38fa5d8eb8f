import type { Args } from './args.js';
import { dequantizeWindow } from './quantized-weight.js';

/** out [rows, cols] = W dequantized. */
export function dequantize({ weight, out }: Args<'dequantize'>): void {
  const values = new Float64Array(weight.rows * weight.cols);
  dequantizeWindow(weight, 0, weight.rows, 0, weight.cols, values);
  out.storage.data.set(values, out.layout.offset);
}
