import { Linear, Module, multiHeadAttention, type Tensor, tidy } from '@peftjs/core';

/** BERT's and ViT's bidirectional self-attention: query, key and value projections (HF names). */
export class EncoderSelfAttention extends Module<[Tensor, Tensor | null], Tensor> {
  constructor(
    hiddenSize: number,
    private readonly numHeads: number,
    private readonly dropout: number,
    bias = true,
  ) {
    super();
    for (const name of ['query', 'key', 'value']) this.registerModule(name, new Linear(hiddenSize, hiddenSize, { bias }));
  }

  /** x [B, T, H] with an optional additive bias [B, 1, 1, T] → context [B, T, H]. */
  forward(x: Tensor, bias: Tensor | null): Tensor {
    return tidy(() => {
      const [q, k, v] = ['query', 'key', 'value'].map((n) => this.child<Linear>(n).forward(x));
      return multiHeadAttention(q, k, v, this.numHeads, this.numHeads, { bias, dropout: this.dropout, training: this.training });
    });
  }
}
