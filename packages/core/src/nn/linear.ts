import { autocastToHalf } from '../amp/autocast.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { rand } from '../ops/random.js';
import { matmul } from '../ops/matmul.js';
import { add } from '../ops/binary.js';
import { Module } from './module.js';
import { parameter } from './parameter.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * y = x Wᵀ + b with W of shape [outFeatures, inFeatures] (PyTorch's layout and names). Initialised
 * like PyTorch: W and b uniform in ±1/sqrt(inFeatures) (kaiming-uniform with a = √5).
 */
export class Linear extends Module<[Tensor], Tensor> {
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const dtype = options.dtype ?? 'float32';
    const bound = 1 / Math.sqrt(inFeatures);
    this.registerParameter('weight', parameter(rand([outFeatures, inFeatures], { low: -bound, high: bound, dtype })));
    this.registerParameter('bias', options.bias === false ? null : parameter(rand([outFeatures], { low: -bound, high: bound, dtype })));
  }

  get weight(): Tensor {
    return this.get('weight')!;
  }
  get bias(): Tensor | null {
    return this.get('bias');
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new RangeError(`Linear: expected input [..., ${this.inFeatures}], got ${formatShape(x.shape)}`);
    }
    const y = matmul(x, this.weight, { transposeB: true });
    if (!this.bias) return y;
    // in an autocast region the whole layer runs in half, the bias add included (PyTorch's linear)
    const bias = autocastToHalf(this.bias);
    const out = add(y, bias);
    if (bias !== this.bias) bias.dispose();
    y.dispose();
    return out;
  }
}
