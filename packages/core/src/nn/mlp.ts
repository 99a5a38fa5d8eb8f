import { engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { mul } from '../ops/binary.js';
import { getActivation } from './activations.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface MLPOptions {
  outFeatures?: number;
  /** A Hugging Face activation name (default 'gelu'). */
  activation?: string;
  bias?: boolean;
}

/** fc2(act(fc1(x))): the two-layer feed-forward block of a transformer. */
export class MLP extends Module<[Tensor], Tensor> {
  private readonly act: (x: Tensor) => Tensor;

  constructor(inFeatures: number, hiddenFeatures: number, options: MLPOptions = {}) {
    super();
    this.act = getActivation(options.activation ?? 'gelu');
    this.registerModule('fc1', new Linear(inFeatures, hiddenFeatures, { bias: options.bias }));
    this.registerModule('fc2', new Linear(hiddenFeatures, options.outFeatures ?? inFeatures, { bias: options.bias }));
  }

  get fc1(): Linear {
    return this.child('fc1');
  }
  get fc2(): Linear {
    return this.child('fc2');
  }

  forward(x: Tensor): Tensor {
    return engine().scoped(() => this.fc2.forward(this.act(this.fc1.forward(x))));
  }
}

export interface GatedMLPOptions {
  /** A Hugging Face activation name (default 'silu', Llama's). */
  activation?: string;
  bias?: boolean;
}

/** Llama's feed-forward block: down_proj(act(gate_proj(x)) · up_proj(x)). */
export class GatedMLP extends Module<[Tensor], Tensor> {
  private readonly act: (x: Tensor) => Tensor;

  constructor(hiddenSize: number, intermediateSize: number, options: GatedMLPOptions = {}) {
    super();
    this.act = getActivation(options.activation ?? 'silu');
    const bias = options.bias ?? false;
    this.registerModule('gate_proj', new Linear(hiddenSize, intermediateSize, { bias }));
    this.registerModule('up_proj', new Linear(hiddenSize, intermediateSize, { bias }));
    this.registerModule('down_proj', new Linear(intermediateSize, hiddenSize, { bias }));
  }

  get gateProj(): Linear {
    return this.child('gate_proj');
  }
  get upProj(): Linear {
    return this.child('up_proj');
  }
  get downProj(): Linear {
    return this.child('down_proj');
  }

  forward(x: Tensor): Tensor {
    return engine().scoped(() => this.downProj.forward(mul(this.act(this.gateProj.forward(x)), this.upProj.forward(x))));
  }
}
