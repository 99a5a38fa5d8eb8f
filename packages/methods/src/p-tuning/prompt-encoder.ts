import { Embedding, Lambda, Linear, Module, Sequential, engine, relu, type Tensor } from '@peftjs/core';

export type PromptEncoderReparameterizationType = 'MLP' | 'LSTM';

export interface PromptEncoderOptions {
  numVirtualTokens: number;
  numTransformerSubmodules?: number;
  tokenDim: number;
  /** Hidden size of the reparameterization MLP (default tokenDim). */
  encoderHiddenSize?: number;
  encoderReparameterizationType?: PromptEncoderReparameterizationType;
  /** PEFT's inference_mode: the table holds the final prompts and no MLP is built. */
  inferenceMode?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * P-tuning's encoder (HF PEFT's PromptEncoder): a table of virtual token vectors
 * (`embedding.weight` [total virtual tokens, token_dim]) reparameterized by an MLP `mlp_head`
 * (Linear, ReLU, Linear, ReLU, Linear: `mlp_head.0/2/4`). In inference mode the table holds the
 * encoder's output and is used as it is.
 */
export class PromptEncoder extends Module {
  readonly totalVirtualTokens: number;
  readonly inferenceMode: boolean;

  constructor(readonly options: PromptEncoderOptions) {
    super();
    const { tokenDim, dtype } = options;
    const type = options.encoderReparameterizationType ?? 'MLP';
    if (type === 'LSTM') throw new Error("PromptEncoder: encoder_reparameterization_type 'LSTM' is not supported; use 'MLP'");
    if (type !== 'MLP') throw new Error(`PromptEncoder: encoder_reparameterization_type must be 'MLP' or 'LSTM', got ${JSON.stringify(type)}`);
    this.totalVirtualTokens = options.numVirtualTokens * (options.numTransformerSubmodules ?? 1);
    this.inferenceMode = options.inferenceMode ?? false;
    this.registerModule('embedding', new Embedding(this.totalVirtualTokens, tokenDim, { dtype }));
    if (!this.inferenceMode) {
      const hidden = options.encoderHiddenSize ?? tokenDim;
      this.registerModule('mlp_head', new Sequential(
        new Linear(tokenDim, hidden, { dtype }),
        new Lambda(relu),
        new Linear(hidden, hidden, { dtype }),
        new Lambda(relu),
        new Linear(hidden, tokenDim, { dtype }),
      ));
    }
  }

  get embedding(): Embedding {
    return this.child('embedding');
  }

  /** Virtual token ids (int32, any shape) → [...ids, token_dim]. */
  forward(indices: Tensor): Tensor {
    if (this.inferenceMode) return this.embedding.forward(indices);
    return engine().scoped(() => this.child<Sequential>('mlp_head').forward(this.embedding.forward(indices)));
  }
}
