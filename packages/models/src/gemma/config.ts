import { PretrainedConfig, checkActivation, type FieldTable } from '../config.js';
import type { DecoderLayout } from '../decoder/layout.js';
import { fieldsFrom } from '../decoder/fields.js';
import { LLAMA_FIELDS, LlamaConfig, type LlamaConfigInit } from '../llama/config.js';

const FIELDS: FieldTable = fieldsFrom(
  LLAMA_FIELDS,
  {
    vocabSize: { default: 256000 },
    hiddenSize: { default: 3072 },
    intermediateSize: { default: 24576 },
    numHiddenLayers: { default: 28 },
    numAttentionHeads: { default: 16 },
    numKeyValueHeads: { default: 16 },
    headDim: { default: 256 },
    hiddenAct: { default: 'gelu_pytorch_tanh' },
    hiddenActivation: { json: 'hidden_activation', kind: 'string', default: null, nullable: true },
    maxPositionEmbeddings: { default: 8192 },
    padTokenId: { default: 0 },
    eosTokenId: { default: 1 },
    bosTokenId: { default: 2 },
    tieWordEmbeddings: { default: true },
  },
  ['mlpBias', 'pretrainingTp', 'ropeScaling'],
);

export type GemmaConfigInit = LlamaConfigInit & { hiddenActivation?: string | null };

/**
 * Hugging Face's GemmaConfig: Llama with RMSNorm scaling by (1 + weight), token embeddings scaled by
 * sqrt(hidden_size), a GeGLU MLP (hidden_activation, gelu_pytorch_tanh by default) and a tied head.
 */
export class GemmaConfig extends LlamaConfig {
  override readonly modelType: string = 'gemma';
  declare hiddenActivation: string | null;

  constructor(init: GemmaConfigInit = {}) {
    super(init);
  }

  protected override fields(): FieldTable {
    return FIELDS;
  }

  protected override check(): void {
    super.check();
    if (this.hiddenActivation !== null)
      checkActivation(this.constructor.name, 'hiddenActivation', 'hidden_activation', this.hiddenActivation);
  }

  override decoderLayout(): DecoderLayout {
    return {
      ...super.decoderLayout(),
      mlpBias: false,
      activation: this.hiddenActivation ?? 'gelu_pytorch_tanh',
      norm: 'gemma',
      embeddingScale: Math.sqrt(this.hiddenSize),
    };
  }

  static override fromJSON(json: unknown): GemmaConfig {
    return new GemmaConfig(PretrainedConfig.parseJSON(FIELDS, json, 'GemmaConfig', 'gemma') as GemmaConfigInit);
  }
}
