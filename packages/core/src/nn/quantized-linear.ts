import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from '../ops/binary.js';
import { dequantize, quantizedMatmul } from '../ops/quantized.js';
import { clone } from '../ops/views.js';
import { noGrad } from '../autograd/grad-mode.js';
import { engine } from '../engine.js';
import { quantizeWeight, type QuantizationConfig } from '../quant/config.js';
import type { QuantFormat } from '../quant/format.js';
import { QuantizedWeight } from '../quant/quantized-weight.js';
import { Module } from './module.js';
import { parameter } from './parameter.js';

/** Buffer names of the quantized weight's parts, in the order QuantizedWeight.tensors() lists them. */
const BUFFERS = {
  codes: 'weight_codes',
  codeMap: 'weight_code_map',
  absmax: 'weight_absmax',
  nestedCodes: 'weight_nested_codes',
  nestedCodeMap: 'weight_nested_code_map',
  nestedAbsmax: 'weight_nested_absmax',
  nestedOffset: 'weight_nested_offset',
} as const;

/**
 * A Linear whose weight W [outFeatures, inFeatures] is stored quantized (NF4 or int8, see
 * quant/format.ts) and frozen: y = x Wᵀ + b through the fused dequantize-matmul kernel, so the
 * float weight never exists. bitsandbytes' Linear4bit / Linear8bitLt. The gradient flows to the
 * input (and to the bias, which stays float and is a parameter); adapters (QLoRA) train beside it.
 *
 * The parts are buffers (`weight_codes`, `weight_absmax` or `weight_nested_*`, `weight_code_map`),
 * so stateDict, clone and dispose see them.
 */
export class QuantizedLinear extends Module<[Tensor], Tensor> {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly format: QuantFormat;
  readonly blockSize: number;
  private readonly nestedBlockSize: number | null;

  /** Takes ownership of `weight` and `bias`. */
  constructor(weight: QuantizedWeight, bias: Tensor | null = null) {
    super();
    if (!(weight instanceof QuantizedWeight)) throw new TypeError('QuantizedLinear: weight must be a QuantizedWeight');
    if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.rows)) {
      throw new RangeError(`QuantizedLinear: bias must be [${weight.rows}], got ${formatShape(bias.shape)}`);
    }
    this.outFeatures = weight.rows;
    this.inFeatures = weight.cols;
    this.format = weight.format;
    this.blockSize = weight.blockSize;
    this.nestedBlockSize = weight.nested?.blockSize ?? null;
    this.registerBuffer(BUFFERS.codes, weight.codes);
    if (weight.codeMap) this.registerBuffer(BUFFERS.codeMap, weight.codeMap);
    if (weight.absmax) this.registerBuffer(BUFFERS.absmax, weight.absmax);
    if (weight.nested) {
      this.registerBuffer(BUFFERS.nestedCodes, weight.nested.codes);
      this.registerBuffer(BUFFERS.nestedCodeMap, weight.nested.codeMap);
      this.registerBuffer(BUFFERS.nestedAbsmax, weight.nested.absmax);
      this.registerBuffer(BUFFERS.nestedOffset, weight.nested.offset);
    }
    this.registerParameter('bias', bias ? parameter(bias, false) : null);
  }

  /**
   * Quantizes a weight given as host values (row-major [outFeatures, inFeatures]) onto the active
   * backend; `bias` (a tensor) is copied.
   */
  static fromValues(
    values: ArrayLike<number>,
    outFeatures: number,
    inFeatures: number,
    config: QuantizationConfig,
    bias: Tensor | null = null,
  ): QuantizedLinear {
    const weight = QuantizedWeight.fromData(quantizeWeight(values, outFeatures, inFeatures, config), bias?.ref.backend);
    try {
      return new QuantizedLinear(weight, bias ? copyOf(bias) : null);
    } catch (err) {
      weight.dispose();
      throw err;
    }
  }

  /**
   * A quantized copy of a Linear-like module (weight [out, in], optional bias) on its backend;
   * the weight is read back asynchronously, so every backend can do it. The source is left as it was.
   */
  static async fromLinear(linear: { weight: Tensor; bias: Tensor | null }, config: QuantizationConfig): Promise<QuantizedLinear> {
    const w = linear.weight;
    if (w.rank !== 2) throw new RangeError(`QuantizedLinear.fromLinear: the weight must be [out, in], got ${formatShape(w.shape)}`);
    const values = await w.data();
    const weight = QuantizedWeight.fromData(quantizeWeight(values, w.shape[0], w.shape[1], config), w.ref.backend);
    try {
      return new QuantizedLinear(weight, linear.bias ? copyOf(linear.bias) : null);
    } catch (err) {
      weight.dispose();
      throw err;
    }
  }

  /** The weight as the kernels see it (a view of this module's buffers). */
  get weight(): QuantizedWeight {
    const b = (name: string) => this.get(name);
    return QuantizedWeight.wrap(
      { format: this.format, rows: this.outFeatures, cols: this.inFeatures, blockSize: this.blockSize },
      {
        codes: b(BUFFERS.codes)!,
        codeMap: b(BUFFERS.codeMap),
        absmax: b(BUFFERS.absmax),
        nested:
          this.nestedBlockSize === null
            ? null
            : {
                codes: b(BUFFERS.nestedCodes)!,
                codeMap: b(BUFFERS.nestedCodeMap)!,
                absmax: b(BUFFERS.nestedAbsmax)!,
                offset: b(BUFFERS.nestedOffset)!,
                blockSize: this.nestedBlockSize,
              },
      },
    );
  }

  get bias(): Tensor | null {
    return this.get('bias');
  }

  /** Bytes of the quantized weight on the backend (the float32 weight would take 4·out·in). */
  get weightBytes(): number {
    return this.weight.numBytes;
  }

  /** W [outFeatures, inFeatures] as a new float tensor (the caller disposes it). */
  dequantizeWeight(dtype: 'float32' | 'float64' = 'float32'): Tensor {
    return noGrad(() => dequantize(this.weight, dtype));
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new RangeError(`QuantizedLinear: expected input [..., ${this.inFeatures}], got ${formatShape(x.shape)}`);
    }
    const y = quantizedMatmul(x, this.weight, true);
    const bias = this.bias;
    if (!bias) return y;
    const out = add(y, bias.cast(y.dtype));
    y.dispose();
    return out;
  }
}

function copyOf(t: Tensor): Tensor {
  return engine().keep(noGrad(() => clone(t)));
}
