import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { randn } from '../ops/random.js';
import { embedding } from '../ops/indexing.js';
import { cast } from '../ops/cast.js';
import { Module } from './module.js';
import { parameter } from './parameter.js';

export interface EmbeddingOptions {
  dtype?: 'float32' | 'float64';
}

/** A lookup table of `numEmbeddings` vectors of size `embeddingDim` (PyTorch's nn.Embedding, N(0, 1) init). */
export class Embedding extends Module<[Tensor], Tensor> {
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    for (const [name, v] of [
      ['numEmbeddings', numEmbeddings],
      ['embeddingDim', embeddingDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Embedding: ${name} must be a positive integer, got ${v}`);
    }
    this.registerParameter('weight', parameter(randn([numEmbeddings, embeddingDim], { dtype: options.dtype ?? 'float32' })));
  }

  get weight(): Tensor {
    return this.get('weight')!;
  }

  /** Integer ids of any shape → [...ids.shape, embeddingDim]. */
  forward(ids: Tensor): Tensor {
    if (ids.dtype === 'int32') return embedding(ids, this.weight);
    if (ids.dtype === 'float32' || ids.dtype === 'float64') {
      throw new TypeError(`Embedding: ids must be integers (int32), got ${ids.dtype} ${formatShape(ids.shape)}`);
    }
    const i = cast(ids, 'int32');
    try {
      return embedding(i, this.weight);
    } finally {
      i.dispose();
    }
  }
}
