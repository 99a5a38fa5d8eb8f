import type { QuantizedWeightData } from './format.js';
import { NF4_BLOCK_SIZE } from './format.js';
import { quantizeInt8 } from './int8.js';
import { quantizeNf4 } from './nf4.js';

/**
 * How base weights are quantized (transformers' BitsAndBytesConfig, in short): `bits: 4` is NF4
 * with blockwise absmax (load_in_4bit, bnb_4bit_quant_type 'nf4'), `bits: 8` is int8 with one
 * absmax a row (load_in_8bit, without LLM.int8's outlier threshold).
 */
export interface QuantizationConfig {
  bits: 4 | 8;
  /** The 4-bit type; only 'nf4'. */
  quantType?: 'nf4';
  /** Double quantization of the NF4 absmax (bnb_4bit_use_double_quant; default true, as QLoRA trains). */
  doubleQuant?: boolean;
  /** NF4 block size (default 64). */
  blockSize?: number;
  /**
   * Module names (or dotted suffixes) left unquantized (llm_int8_skip_modules); by default the
   * output head (`lm_head`, `score`, `classifier`) as bitsandbytes leaves it.
   */
  skipModules?: readonly string[];
}

export type ResolvedQuantizationConfig = Required<QuantizationConfig>;

export const DEFAULT_SKIP_MODULES: readonly string[] = ['lm_head', 'score', 'classifier'];

/** Checks a config and fills its defaults; errors name the field. */
export function resolveQuantizationConfig(config: QuantizationConfig): ResolvedQuantizationConfig {
  if (!config || typeof config !== 'object')
    throw new TypeError(`quantization: expected a config object like { bits: 4 }, got ${String(config)}`);
  const known = new Set(['bits', 'quantType', 'doubleQuant', 'blockSize', 'skipModules']);
  for (const key of Object.keys(config))
    if (!known.has(key)) throw new TypeError(`quantization: unknown field '${key}' (known: ${[...known].join(', ')})`);
  if (config.bits !== 4 && config.bits !== 8)
    throw new RangeError(`quantization: bits must be 4 (NF4) or 8 (int8), got ${String(config.bits)}`);
  const quantType = config.quantType ?? 'nf4';
  if (quantType !== 'nf4') throw new RangeError(`quantization: quantType must be 'nf4', got ${String(quantType)}`);
  const blockSize = config.blockSize ?? NF4_BLOCK_SIZE;
  if (!Number.isInteger(blockSize) || blockSize < 8 || blockSize % 8 !== 0)
    throw new RangeError(`quantization: blockSize must be a positive multiple of 8, got ${String(blockSize)}`);
  if (config.bits === 8 && config.blockSize !== undefined)
    throw new RangeError('quantization: blockSize applies to bits 4 only (int8 has one absmax a row)');
  const doubleQuant = config.doubleQuant ?? true;
  if (typeof doubleQuant !== 'boolean') throw new TypeError(`quantization: doubleQuant must be a boolean, got ${String(doubleQuant)}`);
  const skipModules = config.skipModules ?? DEFAULT_SKIP_MODULES;
  if (!Array.isArray(skipModules) || !skipModules.every((s) => typeof s === 'string'))
    throw new TypeError('quantization: skipModules must be an array of module names');
  return { bits: config.bits, quantType, doubleQuant, blockSize, skipModules: [...skipModules] };
}

/** W [rows, cols] (row-major values) quantized as `config` says. */
export function quantizeWeight(values: ArrayLike<number>, rows: number, cols: number, config: QuantizationConfig): QuantizedWeightData {
  const c = resolveQuantizationConfig(config);
  return c.bits === 4
    ? quantizeNf4(values, rows, cols, { blockSize: c.blockSize, doubleQuant: c.doubleQuant })
    : quantizeInt8(values, rows, cols);
}
