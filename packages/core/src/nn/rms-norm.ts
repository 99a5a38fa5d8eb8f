import type { Tensor } from '../tensor.js';
import { rmsNorm } from '../ops/norm.js';
import { fill } from '../ops/creation.js';
import { Module } from './module.js';
import { parameter } from './parameter.js';

export interface RMSNormOptions {
  eps?: number;
  /** Learnable weight (ones); default true. */
  elementwiseAffine?: boolean;
  dtype?: 'float32' | 'float64';
}

/** PyTorch's nn.RMSNorm (Llama's LlamaRMSNorm): x / sqrt(mean(x²) + eps) · weight. */
export class RMSNorm extends Module<[Tensor], Tensor> {
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: RMSNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-6;
    const affine = options.elementwiseAffine ?? true;
    this.registerParameter('weight', affine ? parameter(fill(this.normalizedShape, 1, options.dtype ?? 'float32')) : null);
  }

  get weight(): Tensor | null {
    return this.get('weight');
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }
}
