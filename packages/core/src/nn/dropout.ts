import type { Tensor } from '../tensor.js';
import type { Generator } from '../random/generator.js';
import { dropout } from '../ops/random.js';
import { Module } from './module.js';

/** Zeroes elements with probability p while training (Philox masks), the identity in eval mode. */
export class Dropout extends Module {
  constructor(
    readonly p = 0.5,
    private readonly generator?: Generator,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, { generator: this.generator });
  }
}
