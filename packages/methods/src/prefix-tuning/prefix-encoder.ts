import { Embedding, Lambda, Linear, Module, Sequential, tanh, type Tensor, tidy } from '@peftjs/core';

export interface PrefixEncoderOptions {
  numVirtualTokens: number;
  /** Key/value width of one layer (key/value heads × head dim). */
  tokenDim: number;
  numLayers: number;
  /** Hidden size of the projection MLP (default tokenDim). */
  encoderHiddenSize?: number;
  /** Reparameterize through Linear → tanh → Linear (only while training; PEFT's prefix_projection). */
  prefixProjection?: boolean;
  /** PEFT's inference_mode: the table holds the final prefixes and no projection is built. */
  inferenceMode?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * Prefix tuning's encoder (HF PEFT's PrefixEncoder): for each virtual token the keys and values of
 * every layer, [num_virtual_tokens, num_layers · 2 · token_dim]. Either a table (`embedding.weight`)
 * or, with prefixProjection, a table [n, token_dim] through `transform.0` (Linear), tanh and
 * `transform.2` (Linear).
 */
export class PrefixEncoder extends Module {
  readonly prefixProjection: boolean;
  readonly outputDim: number;

  constructor(readonly options: PrefixEncoderOptions) {
    super();
    const { numVirtualTokens, tokenDim, numLayers } = options;
    const dtype = options.dtype;
    this.outputDim = numLayers * 2 * tokenDim;
    this.prefixProjection = (options.prefixProjection ?? false) && !options.inferenceMode;
    if (this.prefixProjection) {
      const hidden = options.encoderHiddenSize ?? tokenDim;
      this.registerModule('embedding', new Embedding(numVirtualTokens, tokenDim, { dtype }));
      this.registerModule(
        'transform',
        new Sequential(new Linear(tokenDim, hidden, { dtype }), new Lambda(tanh), new Linear(hidden, this.outputDim, { dtype })),
      );
    } else {
      this.registerModule('embedding', new Embedding(numVirtualTokens, this.outputDim, { dtype }));
    }
  }

  get embedding(): Embedding {
    return this.child('embedding');
  }

  /** Prefix ids (int32, any shape) → [...ids, num_layers · 2 · token_dim]. */
  forward(prefix: Tensor): Tensor {
    if (!this.prefixProjection) return this.embedding.forward(prefix);
    return tidy(() => this.child<Sequential>('transform').forward(this.embedding.forward(prefix)));
  }
}
