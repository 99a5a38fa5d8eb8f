import type { Tensor } from '../tensor.js';
import { layerNorm } from '../ops/norm.js';
import { fill } from '../ops/creation.js';
import { Module } from './module.js';
import { parameter } from './parameter.js';

export interface LayerNormOptions {
  eps?: number;
  /** Learnable weight (ones) and bias (zeros); default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, whether to learn a bias too; default true. */
  bias?: boolean;
  dtype?: 'float32' | 'float64';
}

/** PyTorch's nn.LayerNorm over the trailing `normalizedShape`. */
export class LayerNorm extends Module<[Tensor], Tensor> {
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    const dtype = options.dtype ?? 'float32';
    const affine = options.elementwiseAffine ?? true;
    this.registerParameter('weight', affine ? parameter(fill(this.normalizedShape, 1, dtype)) : null);
    this.registerParameter('bias', affine && options.bias !== false ? parameter(fill(this.normalizedShape, 0, dtype)) : null);
  }

  get weight(): Tensor | null {
    return this.get('weight');
  }
  get bias(): Tensor | null {
    return this.get('bias');
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
