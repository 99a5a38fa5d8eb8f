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
  constructor(readonly config: CharModelConfig) {
    super();
    this.registerParameter('wte', parameter(randn([config.vocabSize, config.embedDim], { std: 0.5 })));
    this.registerModule('fc1', new Linear(config.context * config.embedDim, config.hidden));
    this.registerModule('fc2', new Linear(config.hidden, config.vocabSize));
  }

  /** int32 context [batch, context] → logits [batch, vocabSize]. The layers are looked up on each call, so LoRA's wrappers take part. */
  forward(context: Tensor): Tensor {
    const [batch] = context.shape;
    const embedded = reshape(embedding(context, this.get('wte')!), [batch, this.config.context * this.config.embedDim]);
    return this.child<TensorLayer>('fc2').forward(tanh(this.child<TensorLayer>('fc1').forward(embedded)));
  }
}
