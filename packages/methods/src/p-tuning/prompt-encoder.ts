import { Embedding, Lambda, Linear, Module, relu, Sequential, type Tensor, tidy } from '@peftjs/core';
import { LSTM } from './lstm.js';

export type PromptEncoderReparameterizationType = 'MLP' | 'LSTM';

export interface PromptEncoderOptions {
  numVirtualTokens: number;
  numTransformerSubmodules?: number;
  tokenDim: number;
  /** Hidden size of the reparameterization MLP or LSTM (default tokenDim). */
  encoderHiddenSize?: number;
  encoderReparameterizationType?: PromptEncoderReparameterizationType;
  /** LSTM layers (the MLP always has PEFT's fixed three Linear layers). */
  encoderNumLayers?: number;
  /** Dropout between LSTM layers. */
  encoderDropout?: number;
  /** PEFT's inference_mode: the table holds the final prompts and no MLP is built. */
  inferenceMode?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * P-tuning's encoder (HF PEFT's PromptEncoder): a table of virtual token vectors
 * (`embedding.weight` [total virtual tokens, token_dim]) reparameterized by an MLP `mlp_head`
 * (Linear, ReLU, Linear, ReLU, Linear: `mlp_head.0/2/4`), or by a bidirectional LSTM `lstm_head`
 * followed by `mlp_head` (Linear, ReLU, Linear: `mlp_head.0/2`). In inference mode the table holds
 * the encoder's output and is used as it is.
 */
export class PromptEncoder extends Module {
  readonly totalVirtualTokens: number;
  readonly inferenceMode: boolean;
  readonly encoderType: PromptEncoderReparameterizationType;

  constructor(readonly options: PromptEncoderOptions) {
    super();
    const { tokenDim, dtype } = options;
    const type = options.encoderReparameterizationType ?? 'MLP';
    if (type !== 'MLP' && type !== 'LSTM')
      throw new Error(`PromptEncoder: encoder_reparameterization_type must be 'MLP' or 'LSTM', got ${JSON.stringify(type)}`);
    this.encoderType = type;
    this.totalVirtualTokens = options.numVirtualTokens * (options.numTransformerSubmodules ?? 1);
    this.inferenceMode = options.inferenceMode ?? false;
    this.registerModule('embedding', new Embedding(this.totalVirtualTokens, tokenDim, { dtype }));
    const hidden = options.encoderHiddenSize ?? tokenDim;
    if (!this.inferenceMode && type === 'LSTM') {
      this.registerModule(
        'lstm_head',
        new LSTM(tokenDim, hidden, {
          numLayers: options.encoderNumLayers ?? 2,
          dropout: options.encoderDropout ?? 0,
          bidirectional: true,
          dtype,
        }),
      );
      this.registerModule(
        'mlp_head',
        new Sequential(new Linear(2 * hidden, 2 * hidden, { dtype }), new Lambda(relu), new Linear(2 * hidden, tokenDim, { dtype })),
      );
    } else if (!this.inferenceMode) {
      this.registerModule(
        'mlp_head',
        new Sequential(
          new Linear(tokenDim, hidden, { dtype }),
          new Lambda(relu),
          new Linear(hidden, hidden, { dtype }),
          new Lambda(relu),
          new Linear(hidden, tokenDim, { dtype }),
        ),
      );
    }
  }

  get embedding(): Embedding {
    return this.child('embedding');
  }

  /** Virtual token ids (int32, any shape) → [...ids, token_dim]. */
  forward(indices: Tensor): Tensor {
    if (this.inferenceMode) return this.embedding.forward(indices);
    return tidy(() => {
      let x = this.embedding.forward(indices);
      if (this.encoderType === 'LSTM') {
        // the LSTM reads the virtual tokens as one sequence: [n, d] → [1, n, d]
        const seq = x.rank === 2 ? x.unsqueeze(0) : x;
        const out = this.child<LSTM>('lstm_head').forward(seq);
        x = x.rank === 2 ? out.squeeze(0) : out;
      }
      return this.child<Sequential>('mlp_head').forward(x);
    });
  }
}
