import { byteAt, packBytes, type QuantizedWeightData } from './format.js';
import { checkValues } from './nf4.js';

/**
 * int8 quantization of W [rows, cols]: one absmax a row (LLM.int8's vector-wise quantization,
 * without its outlier columns kept in half precision), code = round(127 · w / absmax).
 */
export function quantizeInt8(values: ArrayLike<number>, rows: number, cols: number): QuantizedWeightData {
  checkValues('quantizeInt8', values, rows, cols);
  const absmax = new Float32Array(rows);
  const codes = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(values[r * cols + c]));
    absmax[r] = m;
    const scale = m > 0 ? 127 / Math.fround(m) : 0;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c] * scale;
      // round half away from zero, symmetric around 0
      const q = Math.max(-127, Math.min(127, Math.sign(v) * Math.round(Math.abs(v))));
      codes[r * cols + c] = q & 255;
    }
  }
  return { format: 'int8', rows, cols, blockSize: cols, codes: packBytes(codes), codeMap: null, absmax, nested: null };
}

/** The signed value of byte i. */
export function int8At(words: Int32Array, i: number): number {
  const b = byteAt(words, i);
  return b > 127 ? b - 256 : b;
}

/** W from its int8 codes in float32 arithmetic, row-major. */
export function dequantizeInt8(data: QuantizedWeightData): Float32Array {
  const out = new Float32Array(data.rows * data.cols);
  for (let r = 0; r < data.rows; r++) {
    const scale = Math.fround(data.absmax![r] / 127);
    for (let c = 0; c < data.cols; c++) out[r * data.cols + c] = int8At(data.codes, r * data.cols + c) * scale;
  }
  return out;
}
