/** Storage formats of a quantized weight W [rows, cols] (a Linear's [outFeatures, inFeatures]). */
export type QuantFormat = 'nf4' | 'int8';
export const QUANT_FORMATS: readonly QuantFormat[] = ['nf4', 'int8'];

/** Elements of W sharing one NF4 absmax (bitsandbytes' and QLoRA's block size). */
export const NF4_BLOCK_SIZE = 64;
/** Absmax values sharing one scale in double quantization. */
export const NF4_NESTED_BLOCK_SIZE = 256;

/**
 * The absmax values of NF4 blocks quantized again (double quantization): absmax[b] ≈
 * codeMap[code b] · absmax[⌊b / blockSize⌋] + offset, with 8-bit codes from bitsandbytes' dynamic map.
 */
export interface NestedAbsmaxData {
  /** 8-bit codes, four to an int32 word (code b at bits 8·(b mod 4) of word ⌊b / 4⌋). */
  readonly codes: Int32Array;
  readonly codeMap: Float32Array;
  readonly absmax: Float32Array;
  readonly offset: number;
  readonly blockSize: number;
}

/**
 * A quantized weight on the host, element i = r·cols + c of W (row-major) in block ⌊i / blockSize⌋:
 * - nf4: code i (4 bits) at bits 4·(i mod 8) of word ⌊i / 8⌋; W[i] = codeMap[code] · absmax[block].
 *   The absmax is stored as float32 (`absmax`) or double-quantized (`nested`).
 * - int8: the two's-complement byte i at bits 8·(i mod 4) of word ⌊i / 4⌋, one block a row
 *   (blockSize = cols); W[i] = code · absmax[row] / 127 (LLM.int8's vector-wise absmax, without
 *   the outlier decomposition).
 */
export interface QuantizedWeightData {
  readonly format: QuantFormat;
  readonly rows: number;
  readonly cols: number;
  readonly blockSize: number;
  readonly codes: Int32Array;
  /** nf4: the 16 values of the codes; null for int8. */
  readonly codeMap: Float32Array | null;
  /** One float32 absmax a block; null when `nested` holds them. */
  readonly absmax: Float32Array | null;
  readonly nested: NestedAbsmaxData | null;
}

export function numBlocks(data: { rows: number; cols: number; blockSize: number }): number {
  return Math.ceil((data.rows * data.cols) / data.blockSize);
}

/** Reads the 4-bit code of element i. */
export function nibbleAt(words: Int32Array, i: number): number {
  return (words[i >>> 3] >>> ((i & 7) << 2)) & 15;
}

/** Reads byte i as an unsigned value. */
export function byteAt(words: Int32Array, i: number): number {
  return (words[i >>> 2] >>> ((i & 3) << 3)) & 255;
}

export function packNibbles(codes: Uint8Array): Int32Array {
  const words = new Int32Array(Math.ceil(codes.length / 8));
  for (let i = 0; i < codes.length; i++) words[i >>> 3] |= (codes[i] & 15) << ((i & 7) << 2);
  return words;
}

export function packBytes(codes: Uint8Array): Int32Array {
  const words = new Int32Array(Math.ceil(codes.length / 4));
  for (let i = 0; i < codes.length; i++) words[i >>> 2] |= (codes[i] & 255) << ((i & 3) << 3);
  return words;
}

/** The absmax of block b (double-quantized ones decoded), in float32 arithmetic like the kernels. */
export function blockAbsmax(data: QuantizedWeightData, b: number): number {
  if (data.absmax) return data.absmax[b];
  const n = data.nested!;
  return Math.fround(Math.fround(n.codeMap[byteAt(n.codes, b)] * n.absmax[Math.floor(b / n.blockSize)]) + n.offset);
}
