import { PretrainedConfig, configError, type FieldTable } from '../config.js';
import type { DecoderLayout } from '../decoder/layout.js';
import { fieldsFrom } from '../decoder/fields.js';
import { LLAMA_FIELDS, LlamaConfig, type LlamaConfigInit } from '../llama/config.js';

const FIELDS: FieldTable = fieldsFrom(
  LLAMA_FIELDS,
  {
    vocabSize: { default: 32064 },
    hiddenSize: { default: 3072 },
    intermediateSize: { default: 8192 },
    maxPositionEmbeddings: { default: 4096 },
    rmsNormEps: { default: 1e-5 },
    bosTokenId: { default: 1 },
    eosTokenId: { default: 32000 },
    padTokenId: { default: 32000 },
    residPdrop: { json: 'resid_pdrop', kind: 'probability', default: 0 },
    embdPdrop: { json: 'embd_pdrop', kind: 'probability', default: 0 },
    originalMaxPositionEmbeddings: { json: 'original_max_position_embeddings', kind: 'positiveInt', default: 4096 },
    partialRotaryFactor: { json: 'partial_rotary_factor', kind: 'probability', default: 1 },
    slidingWindow: { json: 'sliding_window', kind: 'positiveInt', default: null, nullable: true },
  },
  ['attentionBias', 'mlpBias', 'pretrainingTp', 'headDim'],
);

export type Phi3ConfigInit = LlamaConfigInit & {
  residPdrop?: number;
  embdPdrop?: number;
  originalMaxPositionEmbeddings?: number;
  partialRotaryFactor?: number;
  slidingWindow?: number | null;
};

/** Hugging Face's Phi3Config: Llama with one qkv_proj, one gate_up_proj, residual dropout and an optional sliding window. */
export class Phi3Config extends LlamaConfig {
  override readonly modelType: string = 'phi3';
  declare residPdrop: number;
  declare embdPdrop: number;
  declare originalMaxPositionEmbeddings: number;
  declare partialRotaryFactor: number;
  declare slidingWindow: number | null;

  constructor(init: Phi3ConfigInit = {}) {
    super(init);
  }

  protected override fields(): FieldTable {
    return FIELDS;
  }

  protected override check(): void {
    super.check();
    if (this.partialRotaryFactor !== 1) {
      throw configError(
        'Phi3Config',
        'partialRotaryFactor',
        'partial_rotary_factor',
        `must be 1 (rotary embeddings on the whole head), got ${this.partialRotaryFactor}`,
      );
    }
  }

  override decoderLayout(): DecoderLayout {
    return {
      ...super.decoderLayout(),
      qkvBias: false,
      outputBias: false,
      mlpBias: false,
      fusedProjections: true,
      slidingWindow: () => this.slidingWindow,
      residualDropout: this.residPdrop,
      embeddingDropout: this.embdPdrop,
    };
  }

  static override fromJSON(json: unknown): Phi3Config {
    return new Phi3Config(PretrainedConfig.parseJSON(FIELDS, json, 'Phi3Config', 'phi3') as Phi3ConfigInit);
  }
}
