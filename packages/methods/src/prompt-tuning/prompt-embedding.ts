import { Embedding, formatShape, Module, noGrad, tensor, type Tensor, tidy } from '@peftjs/core';

export interface PromptEmbeddingOptions {
  /** Virtual tokens per transformer submodule. */
  numVirtualTokens: number;
  numTransformerSubmodules?: number;
  tokenDim: number;
  dtype?: 'float32' | 'float64';
}

/**
 * Prompt tuning's encoder (HF PEFT's PromptEmbedding): one trainable vector per virtual token,
 * `embedding.weight` [total virtual tokens, token_dim], N(0, 1) at first (PEFT's RANDOM init).
 */
export class PromptEmbedding extends Module {
  readonly totalVirtualTokens: number;

  constructor(options: PromptEmbeddingOptions) {
    super();
    this.totalVirtualTokens = options.numVirtualTokens * (options.numTransformerSubmodules ?? 1);
    this.registerModule('embedding', new Embedding(this.totalVirtualTokens, options.tokenDim, { dtype: options.dtype }));
  }

  get embedding(): Embedding {
    return this.child('embedding');
  }

  /** Starts the prompt as the word embeddings of `tokenIds` (PEFT's TEXT and SAMPLE_VOCAB inits), one id a virtual token. */
  initFromTokens(wordEmbeddings: Embedding, tokenIds: readonly number[]): void {
    if (tokenIds.length !== this.totalVirtualTokens) {
      throw new RangeError(`PromptEmbedding.initFromTokens: needs ${this.totalVirtualTokens} token ids, got ${tokenIds.length}`);
    }
    const bad = tokenIds.find((id) => !Number.isInteger(id) || id < 0 || id >= wordEmbeddings.numEmbeddings);
    if (bad !== undefined)
      throw new RangeError(
        `PromptEmbedding.initFromTokens: token id ${bad} is outside the vocabulary [0, ${wordEmbeddings.numEmbeddings})`,
      );
    if (wordEmbeddings.embeddingDim !== this.embedding.embeddingDim) {
      throw new RangeError(
        `PromptEmbedding.initFromTokens: word embeddings are ${formatShape(wordEmbeddings.weight.shape)}, the prompt is ${formatShape(this.embedding.weight.shape)}`,
      );
    }
    noGrad(() =>
      tidy(() => {
        const w = wordEmbeddings.weight;
        const ids = tensor(Int32Array.from(tokenIds), { backend: w.backend });
        const rows = wordEmbeddings.forward(ids);
        this.embedding.weight.assign(rows.cast(this.embedding.weight.dtype));
      }),
    );
  }

  /** Virtual token ids (int32, any shape) → [...ids, token_dim]. */
  forward(indices: Tensor): Tensor {
    return this.embedding.forward(indices);
  }
}
