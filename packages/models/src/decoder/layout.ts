/**
 * What differs between the Llama-like decoder families (Llama, Qwen2, Mistral, Gemma, Phi-3): each
 * config says it once, and one decoder layer builds itself from it.
 */
export interface DecoderLayout {
  /** Bias on q_proj, k_proj and v_proj (Qwen2: always; Llama: attention_bias). */
  qkvBias: boolean;
  /** Bias on o_proj. */
  outputBias: boolean;
  /** Bias on the MLP projections (Llama's mlp_bias). */
  mlpBias: boolean;
  /** The MLP's activation (an HF ACT2FN name). */
  activation: string;
  /** Phi-3: one qkv_proj for q, k and v and one gate_up_proj for gate and up. */
  fusedProjections: boolean;
  /** 'gemma': RMSNorm scaling by (1 + weight), the weight starting at zero. */
  norm: 'rms' | 'gemma';
  /** Gemma multiplies the token embeddings by sqrt(hidden_size). */
  embeddingScale: number | null;
  /** The sliding window of the layer with this index (Mistral, Qwen2's upper layers), null for full attention. */
  slidingWindow: (layerIdx: number) => number | null;
  /** Phi-3's resid_pdrop: dropout on each sublayer's output before the residual add. */
  residualDropout: number;
  /** Phi-3's embd_pdrop: dropout on the token embeddings. */
  embeddingDropout: number;
}
