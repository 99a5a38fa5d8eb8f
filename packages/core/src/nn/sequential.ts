import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Runs child modules in order; children are named "0", "1", ... like PyTorch's. */
export class Sequential extends Module<[Tensor], Tensor> {
  constructor(...layers: Module<[Tensor], Tensor>[]) {
    super();
    layers.forEach((layer, i) => this.registerModule(String(i), layer));
  }

  /** Runs the children registered now (a layer replaced by setSubmodule, as PEFT does, runs in its place). */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const [name] of this.namedChildren()) {
      const next = this.child<Module<[Tensor], Tensor>>(name).forward(h);
      if (h !== x) h.dispose();
      h = next;
    }
    return h;
  }
}

/** A module wrapping a function of one tensor (activations in a Sequential). */
export class Lambda extends Module<[Tensor], Tensor> {
  constructor(private readonly fn: (x: Tensor) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}
