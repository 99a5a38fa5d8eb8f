import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from '../ops/binary.js';
import { fill } from '../ops/creation.js';
import { matmul } from '../ops/matmul.js';
import { randn } from '../ops/random.js';
import { Module } from './module.js';
import { parameter } from './parameter.js';

/**
 * GPT-2's `Conv1D` (Hugging Face's name): a linear layer with the weight stored transposed,
 * [nx, nf] = [in, out], so y = x W + b. Arguments in HF's order: out features first.
 * Initialised like HF: W ~ N(0, 0.02), b = 0.
 */
export class Conv1D extends Module<[Tensor], Tensor> {
  constructor(
    readonly nf: number,
    readonly nx: number,
    options: { dtype?: 'float32' | 'float64' } = {},
  ) {
    super();
    const dtype = options.dtype ?? 'float32';
    this.registerParameter('weight', parameter(randn([nx, nf], { std: 0.02, dtype })));
    this.registerParameter('bias', parameter(fill([nf], 0, dtype)));
  }

  get weight(): Tensor {
    return this.get('weight')!;
  }
  get bias(): Tensor {
    return this.get('bias')!;
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.rank - 1] !== this.nx) throw new RangeError(`Conv1D: expected input [..., ${this.nx}], got ${formatShape(x.shape)}`);
    const y = matmul(x, this.weight);
    const out = add(y, this.bias);
    y.dispose();
    return out;
  }
}
