import { cast, embedding, keep, matmul, mul, noGrad, randn, type Tensor, tidy, transpose, zeros } from '@peftjs/core';
import { ParameterDict } from '../tuners/adapter-dict.js';
import type { LoraConfig, LoraInit } from './config.js';
import { transposed, type NormLayout } from './dora.js';
import { LoraLayer } from './layer.js';

/**
 * LoRA on an Embedding (PEFT's lora.Embedding): y = E[ids] + s · (A[:, ids])ᵀ Bᵀ with
 * `lora_embedding_A` [r, numEmbeddings] and `lora_embedding_B` [embeddingDim, r] as parameters
 * (PEFT's ParameterDicts). A starts at zero and B ~ N(0, 1); there is no dropout, as in PEFT.
 */
export class LoraEmbedding extends LoraLayer {
  protected override readonly normLayout: NormLayout = 'columns';

  get loraEmbeddingA(): ParameterDict {
    return this.dict('lora_embedding_A', () => new ParameterDict());
  }
  get loraEmbeddingB(): ParameterDict {
    return this.dict('lora_embedding_B', () => new ParameterDict());
  }

  protected override createFactors(adapter: string, r: number, config: LoraConfig, key: string): void {
    if (config.loraBias) throw new TypeError(`LoRA: loraBias is not supported on Embedding targets ('${key}')`);
    const { inFeatures: numEmbeddings, outFeatures: dim } = this.base;
    // PEFT makes both with torch.randn; init_lora_weights=false keeps them so
    this.loraEmbeddingA.set(adapter, keep(randn([r, numEmbeddings], { dtype: this.dtype })));
    this.loraEmbeddingB.set(adapter, keep(randn([dim, r], { dtype: this.dtype })));
  }

  protected override resetFactors(adapter: string, init: LoraInit): void {
    if (init === false) return;
    // PEFT: A = 0, B ~ N(0, 1) for true and 'gaussian' alike; B already holds a N(0, 1) draw
    const a = this.loraEmbeddingA.at(adapter);
    noGrad(() => a.assign(zeros(a.shape, a.dtype)));
  }

  /** (A[:, ids])ᵀ Bᵀ: the rows of Aᵀ picked by the ids, times Bᵀ (no scaling). */
  protected override loraProduct(ids: Tensor, adapter: string): Tensor {
    return tidy(() => {
      const index = ids.dtype === 'int32' ? ids : cast(ids, 'int32');
      const after = embedding(index, transpose(this.loraEmbeddingA.at(adapter)));
      return matmul(after, this.loraEmbeddingB.at(adapter), { transposeB: true });
    });
  }

  protected override adapterOutput(ids: Tensor, adapter: string): Tensor {
    const y = this.loraProduct(ids, adapter);
    const out = mul(y, this.scaling.get(adapter)!);
    y.dispose();
    return out;
  }

  /** PEFT's DoRA on embeddings: (m/n) ⊙ (result + s · lora), n the column norms of E + ΔE. */
  protected override doraForward(ids: Tensor, adapter: string, result: Tensor): Tensor {
    return tidy(() => {
      const scale = this.doraScale(adapter);
      const lora = mul(this.loraProduct(ids, adapter), this.scaling.get(adapter)!);
      return mul(scale, result).add(mul(scale, lora));
    });
  }

  /** s · (B A)ᵀ: [numEmbeddings, embeddingDim], the embedding table's layout. */
  override deltaWeight(adapter: string): Tensor {
    const ba = matmul(this.loraEmbeddingB.at(adapter), this.loraEmbeddingA.at(adapter));
    const t = transposed(ba);
    ba.dispose();
    const out = mul(t, this.scaling.get(adapter)!);
    t.dispose();
    return out;
  }
}
