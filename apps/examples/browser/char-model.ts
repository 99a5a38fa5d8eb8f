import { Linear, Module, embedding, parameter, randn, reshape, tanh, type Tensor } from '@peftjs/core';

/** A module mapping one tensor to one tensor (listed first, so its forward is the one TypeScript picks). */
export type TensorLayer = { forward(x: Tensor): Tensor } & Module;

export interface CharModelConfig {
  vocabSize: number;
  /** Characters of context the model sees to predict the next one. */
  context: number;
  embedDim: number;
  hidden: number;
}

/**
 * A next-character model after Bengio et al. (2003): embed the last `context` characters, concatenate,
 * one tanh hidden layer, logits over the vocabulary. Its two Linear layers are what LoRA adapts.
 */
export class CharModel extends Module {
  fc1: TensorLayer;
  fc2: TensorLayer;

  constructor(readonly config: CharModelConfig) {
    super();
    this.registerParameter('wte', parameter(randn([config.vocabSize, config.embedDim], { std: 0.5 })));
    this.fc1 = this.registerModule('fc1', new Linear(config.context * config.embedDim, config.hidden));
    this.fc2 = this.registerModule('fc2', new Linear(config.hidden, config.vocabSize));
  }

  /** Swaps a layer for a wrapper around it (LoRA); the parameter names gain the wrapper's prefix. */
  replaceLayer(name: 'fc1' | 'fc2', wrap: (layer: Linear) => TensorLayer): void {
    const layer = this[name];
    if (!(layer instanceof Linear)) throw new Error(`CharModel.replaceLayer: ${name} is already wrapped`);
    this[name] = this.registerModule(name, wrap(layer));
  }

  /** Freezes the embedding table (the Linear layers are frozen by their LoRA wrappers). */
  freezeEmbedding(): void {
    this.get('wte')!.requiresGrad = false;
  }

  /** int32 context [batch, context] → logits [batch, vocabSize]. */
  forward(context: Tensor): Tensor {
    const [batch] = context.shape;
    const embedded = reshape(embedding(context, this.get('wte')!), [batch, this.config.context * this.config.embedDim]);
    return this.fc2.forward(tanh(this.fc1.forward(embedded)));
  }
}
