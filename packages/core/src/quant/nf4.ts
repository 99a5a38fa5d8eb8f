import { NF4_CODE_MAP, dynamicCodeMap } from './codebooks.js';
import {
  NF4_BLOCK_SIZE,
  NF4_NESTED_BLOCK_SIZE,
  blockAbsmax,
  nibbleAt,
  packBytes,
  packNibbles,
  type NestedAbsmaxData,
  type QuantizedWeightData,
} from './format.js';
import { nearestCode } from './nearest.js';

export interface Nf4Options {
  /** Elements a block (default 64, bitsandbytes' blocksize for 4-bit). */
  blockSize?: number;
  /** Quantize the absmax values again (bitsandbytes' compress_statistics, QLoRA's double quantization; default true). */
  doubleQuant?: boolean;
}

const NF4_MAP = Float32Array.from(NF4_CODE_MAP);

/** Per-block max |x| in float32. */
function blockwiseAbsmax(values: ArrayLike<number>, blockSize: number): Float32Array {
  const blocks = Math.ceil(values.length / blockSize);
  const absmax = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let m = 0;
    const end = Math.min(values.length, (b + 1) * blockSize);
    for (let i = b * blockSize; i < end; i++) m = Math.max(m, Math.abs(values[i]));
    absmax[b] = m;
  }
  return absmax;
}

/** Codes of x / absmax(block) against a sorted code map (an all-zero block maps to the code of 0). */
function blockwiseCodes(values: ArrayLike<number>, absmax: Float32Array, blockSize: number, map: Float32Array): Uint8Array {
  const codes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const a = absmax[Math.floor(i / blockSize)];
    const scaled = a > 0 ? Math.fround(Math.fround(values[i]) * Math.fround(1 / a)) : 0;
    codes[i] = nearestCode(map, scaled);
  }
  return codes;
}

/**
 * bitsandbytes' double quantization of the absmax: subtract their mean, then quantize blockwise
 * (256 a block) against the signed dynamic 8-bit map.
 */
export function quantizeAbsmax(absmax: Float32Array, blockSize = NF4_NESTED_BLOCK_SIZE): NestedAbsmaxData {
  let sum = 0;
  for (const a of absmax) sum += a;
  const offset = Math.fround(absmax.length > 0 ? sum / absmax.length : 0);
  const centered = absmax.map((a) => Math.fround(a - offset));
  const scales = blockwiseAbsmax(centered, blockSize);
  const codeMap = dynamicCodeMap();
  return { codes: packBytes(blockwiseCodes(centered, scales, blockSize, codeMap)), codeMap, absmax: scales, offset, blockSize };
}

/**
 * NF4 quantization of W [rows, cols] (row-major values): blocks of `blockSize` consecutive
 * elements, each scaled by its absmax into [-1, 1] and rounded to the nearest NF4 value.
 */
export function quantizeNf4(values: ArrayLike<number>, rows: number, cols: number, options: Nf4Options = {}): QuantizedWeightData {
  const blockSize = options.blockSize ?? NF4_BLOCK_SIZE;
  if (!Number.isInteger(blockSize) || blockSize < 8 || blockSize % 8 !== 0) {
    throw new RangeError(`quantizeNf4: blockSize must be a positive multiple of 8, got ${blockSize}`);
  }
  checkValues('quantizeNf4', values, rows, cols);
  const absmax = blockwiseAbsmax(values, blockSize);
  const codes = packNibbles(blockwiseCodes(values, absmax, blockSize, NF4_MAP));
  const doubleQuant = options.doubleQuant ?? true;
  return {
    format: 'nf4',
    rows,
    cols,
    blockSize,
    codes,
    codeMap: NF4_MAP.slice(),
    absmax: doubleQuant ? null : absmax,
    nested: doubleQuant ? quantizeAbsmax(absmax) : null,
  };
}

/** W from its NF4 codes, in float32 arithmetic (what the kernels compute), row-major. */
export function dequantizeNf4(data: QuantizedWeightData): Float32Array {
  const out = new Float32Array(data.rows * data.cols);
  let block = -1;
  let a = 0;
  for (let i = 0; i < out.length; i++) {
    const b = Math.floor(i / data.blockSize);
    if (b !== block) {
      block = b;
      a = blockAbsmax(data, b);
    }
    out[i] = data.codeMap![nibbleAt(data.codes, i)] * a;
  }
  return out;
}

export function checkValues(op: string, values: ArrayLike<number>, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new RangeError(`${op}: rows and cols must be positive integers, got [${rows}, ${cols}]`);
  }
  if (values.length !== rows * cols) throw new RangeError(`${op}: expected ${rows}·${cols} = ${rows * cols} values, got ${values.length}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new RangeError(
        `${op}: value ${i} (row ${Math.floor(i / cols)}, column ${i % cols}) is ${values[i]}; only finite weights can be quantized`,
      );
  }
}
