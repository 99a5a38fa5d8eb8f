import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Runs child modules in order; children are named "0", "1", ... like PyTorch's. */
export class Sequential extends Module {
  private readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((layer, i) => this.registerModule(String(i), layer));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) {
      const next = layer.forward(h) as Tensor;
      if (h !== x) h.dispose();
      h = next;
    }
    return h;
  }
}

/** A module wrapping a function of one tensor (activations in a Sequential). */
export class Lambda extends Module {
  constructor(private readonly fn: (x: Tensor) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}
