import type { Tensor } from '../tensor.js';
import { Generator as GeneratorClass, type Generator } from '../random/generator.js';
import { dropout } from '../ops/random.js';
import { Module } from './module.js';

/** Zeroes elements with probability p while training (Philox masks), the identity in eval mode. */
export class Dropout extends Module<[Tensor], Tensor> {
  constructor(
    readonly p = 0.5,
    /** This layer's own Philox stream (else withGenerator's, else the global one); see seedDropout. */
    public generator?: Generator,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, { generator: this.generator });
  }
}

/**
 * Gives every Dropout layer of `model` one new Philox stream seeded with `seed`, so two models
 * trained side by side draw independent, reproducible masks; Trainer checkpoints save its state.
 */
export function seedDropout(model: Module, seed: number): Generator {
  const generator = new GeneratorClass(seed);
  for (const [, m] of model.namedModules()) if (m instanceof Dropout) m.generator = generator;
  return generator;
}
