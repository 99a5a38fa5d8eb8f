import { dequantizeData, quantizeWeight, type QuantizationConfig, type QuantizedWeightData } from '@peftjs/core';
import { pissaFactors, residualWeight, type HostFactors } from './base-init.js';

/** PEFT's LoftQConfig: the bits of the quantized base and the alternating iterations. */
export class LoftQConfig {
  readonly loftqBits: 4 | 8;
  readonly loftqIter: number;

  constructor(fields: { loftqBits?: number; loftqIter?: number } = {}) {
    const bits = fields.loftqBits ?? 4;
    const iter = fields.loftqIter ?? 1;
    if (bits !== 4 && bits !== 8)
      throw new RangeError(`LoftQConfig: loftqBits (loftq_bits) must be 4 (NF4) or 8 (int8), got ${String(bits)}`);
    if (!Number.isInteger(iter) || iter < 1)
      throw new RangeError(`LoftQConfig: loftqIter (loftq_iter) must be a positive integer, got ${String(iter)}`);
    this.loftqBits = bits;
    this.loftqIter = iter;
  }

  /** From a config value: a LoftQConfig, camelCase fields, or PEFT's snake_case JSON. */
  static from(value: unknown): LoftQConfig {
    if (value instanceof LoftQConfig) return value;
    if (!value || typeof value !== 'object')
      throw new TypeError(`LoftQConfig: expected an object like { loftq_bits: 4, loftq_iter: 1 }, got ${JSON.stringify(value)}`);
    const v = value as Record<string, unknown>;
    for (const k of Object.keys(v)) {
      if (!['loftq_bits', 'loftq_iter', 'loftqBits', 'loftqIter'].includes(k)) throw new TypeError(`LoftQConfig: unknown field '${k}'`);
    }
    return new LoftQConfig({
      loftqBits: (v.loftqBits ?? v.loftq_bits) as number | undefined,
      loftqIter: (v.loftqIter ?? v.loftq_iter) as number | undefined,
    });
  }

  /** PEFT's names on disk. */
  toJSON(): { loftq_bits: number; loftq_iter: number } {
    return { loftq_bits: this.loftqBits, loftq_iter: this.loftqIter };
  }

  /** The base quantization: NF4 with float32 absmax, block 64 (PEFT quantizes with compress_statistics=False), or int8. */
  get quantization(): QuantizationConfig {
    return this.loftqBits === 4 ? { bits: 4, doubleQuant: false } : { bits: 8 };
  }
}

export interface LoftQResult extends HostFactors {
  /** The quantized base Q. */
  quantized: QuantizedWeightData;
}

/**
 * PEFT's loftq_init (Li et al., 2023) on W (out x in, float64): starting from R = W, `iterations`
 * times quantize R to Q, take the rank-r SVD of W − Q as L·R' (L = U√S, R' = √S Vᵀ), and set
 * R = W − L·R'. The base becomes Q and the adapter A = R', B = L, so Q + B·A ≈ W. As in PEFT the
 * factors are not divided by LoRA's scaling (alpha / r): use loraAlpha = r to have Q + s·B·A ≈ W.
 */
export function loftqFactors(w: Float64Array, out: number, inFeatures: number, r: number, config: LoftQConfig): LoftQResult {
  if (r > Math.min(out, inFeatures))
    throw new RangeError(`LoRA: initLoraWeights 'loftq' needs r <= min(out, in) = ${Math.min(out, inFeatures)}, got r = ${r}`);
  let residual = w;
  let quantized: QuantizedWeightData | null = null;
  let factors: HostFactors | null = null;
  for (let it = 0; it < config.loftqIter; it++) {
    quantized = quantizeWeight(residual, out, inFeatures, config.quantization);
    const q = dequantizeData(quantized);
    const error = w.map((v, i) => v - q[i]);
    // PiSSA's factors with scaling 1 are the rank-r SVD split evenly: B = U√S, A = √S Vᵀ
    factors = pissaFactors(error, out, inFeatures, r, 1);
    residual = residualWeight(w, factors, out, inFeatures, r, 1);
  }
  return { quantized: quantized!, ...factors! };
}
