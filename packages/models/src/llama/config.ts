import { parseRopeScaling, type RopeScaling } from '@peftjs/core';
import { PretrainedConfig, checkActivation, configError, type FieldTable } from '../config.js';
import type { SizeEstimate } from '../construct.js';
import type { DecoderLayout } from '../decoder/layout.js';

export const LLAMA_FIELDS: FieldTable = {
  vocabSize: { json: 'vocab_size', kind: 'positiveInt', default: 32000 },
  hiddenSize: { json: 'hidden_size', kind: 'positiveInt', default: 4096 },
  intermediateSize: { json: 'intermediate_size', kind: 'positiveInt', default: 11008 },
  numHiddenLayers: { json: 'num_hidden_layers', kind: 'nonNegativeInt', default: 32 },
  numAttentionHeads: { json: 'num_attention_heads', kind: 'positiveInt', default: 32 },
  numKeyValueHeads: { json: 'num_key_value_heads', kind: 'positiveInt', default: null, nullable: true },
  headDim: { json: 'head_dim', kind: 'positiveInt', default: null, nullable: true },
  hiddenAct: { json: 'hidden_act', kind: 'string', default: 'silu' },
  maxPositionEmbeddings: { json: 'max_position_embeddings', kind: 'positiveInt', default: 2048 },
  initializerRange: { json: 'initializer_range', kind: 'nonNegativeNumber', default: 0.02 },
  rmsNormEps: { json: 'rms_norm_eps', kind: 'nonNegativeNumber', default: 1e-6 },
  ropeTheta: { json: 'rope_theta', kind: 'positiveNumber', default: 10000 },
  ropeScaling: { json: 'rope_scaling', kind: 'any', default: null, nullable: true },
  attentionBias: { json: 'attention_bias', kind: 'bool', default: false },
  attentionDropout: { json: 'attention_dropout', kind: 'probability', default: 0 },
  mlpBias: { json: 'mlp_bias', kind: 'bool', default: false },
  tieWordEmbeddings: { json: 'tie_word_embeddings', kind: 'bool', default: false },
  padTokenId: { json: 'pad_token_id', kind: 'int', default: null, nullable: true },
  bosTokenId: { json: 'bos_token_id', kind: 'tokenId', default: 1, nullable: true },
  eosTokenId: { json: 'eos_token_id', kind: 'tokenId', default: 2, nullable: true },
  pretrainingTp: { json: 'pretraining_tp', kind: 'positiveInt', default: 1 },
};

export type LlamaConfigInit = Partial<
  Omit<LlamaConfig, 'modelType' | 'toJSON' | 'kvHeads' | 'attentionHeadDim' | 'ropeScalingSpec' | 'decoderLayout'>
>;

/** Hugging Face's LlamaConfig (defaults are Llama-2 7B's). */
export class LlamaConfig extends PretrainedConfig {
  readonly modelType: string = 'llama';
  vocabSize!: number;
  hiddenSize!: number;
  intermediateSize!: number;
  numHiddenLayers!: number;
  numAttentionHeads!: number;
  numKeyValueHeads!: number | null;
  headDim!: number | null;
  hiddenAct!: string;
  maxPositionEmbeddings!: number;
  initializerRange!: number;
  rmsNormEps!: number;
  ropeTheta!: number;
  ropeScaling!: unknown;
  attentionBias!: boolean;
  attentionDropout!: number;
  mlpBias!: boolean;
  tieWordEmbeddings!: boolean;
  padTokenId!: number | null;
  bosTokenId!: number | number[] | null;
  eosTokenId!: number | number[] | null;
  pretrainingTp!: number;

  constructor(init: LlamaConfigInit = {}) {
    super();
    this.init(init as Record<string, unknown>);
  }

  protected fields(): FieldTable {
    return LLAMA_FIELDS;
  }

  /** rope_scaling as core's RopeScaling (validated when the config is made). */
  get ropeScalingSpec(): RopeScaling | null {
    return parseRopeScaling(this.ropeScaling, `${this.constructor.name}: ropeScaling (rope_scaling)`);
  }

  /** How this family's decoder layers are built (each Llama-like family says what differs). */
  decoderLayout(): DecoderLayout {
    return {
      qkvBias: this.attentionBias,
      outputBias: this.attentionBias,
      mlpBias: this.mlpBias,
      activation: this.hiddenAct,
      fusedProjections: false,
      norm: 'rms',
      embeddingScale: null,
      slidingWindow: () => null,
      residualDropout: 0,
      embeddingDropout: 0,
    };
  }

  /** Key/value heads (num_key_value_heads, else num_attention_heads). */
  get kvHeads(): number {
    return this.numKeyValueHeads ?? this.numAttentionHeads;
  }

  /** Per-head size (head_dim, else hidden_size / num_attention_heads). */
  get attentionHeadDim(): number {
    return this.headDim ?? this.hiddenSize / this.numAttentionHeads;
  }

  protected override check(): void {
    const name = this.constructor.name;
    if (this.headDim === null && this.hiddenSize % this.numAttentionHeads !== 0) {
      throw configError(
        name,
        'hiddenSize',
        'hidden_size',
        `${this.hiddenSize} must be divisible by num_attention_heads ${this.numAttentionHeads} (or give head_dim)`,
      );
    }
    if (this.numAttentionHeads % this.kvHeads !== 0) {
      throw configError(
        name,
        'numKeyValueHeads',
        'num_key_value_heads',
        `${this.kvHeads} must divide num_attention_heads ${this.numAttentionHeads}`,
      );
    }
    if (this.attentionHeadDim % 2 !== 0)
      throw configError(name, 'headDim', 'head_dim', `${this.attentionHeadDim} must be even for rotary embeddings`);
    checkActivation(name, 'hiddenAct', 'hidden_act', this.hiddenAct);
    void this.ropeScalingSpec;
  }

  /** The sizes this config implies, checked before a model is built from an untrusted config.json. */
  estimateSize(): SizeEstimate {
    const h = this.hiddenSize;
    const q = this.numAttentionHeads * this.attentionHeadDim;
    const kv = this.kvHeads * this.attentionHeadDim;
    // what differs between the Llama-like families (biases) comes from their decoder layout
    const layout = this.decoderLayout();
    const bias = (layout.qkvBias ? q + 2 * kv : 0) + (layout.outputBias ? h : 0);
    const mlp = 3 * h * this.intermediateSize + (layout.mlpBias ? 2 * this.intermediateSize + h : 0);
    const layer = h * q + 2 * h * kv + q * h + bias + mlp + 2 * h;
    const embed = this.vocabSize * h;
    return {
      total: embed + this.numHiddenLayers * layer + h + (this.tieWordEmbeddings ? 0 : embed),
      largest: {
        'embed_tokens (vocab_size x hidden_size)': embed,
        'q_proj (hidden_size x heads x head_dim)': h * q,
        'gate_proj (hidden_size x intermediate_size)': h * this.intermediateSize,
      },
    };
  }

  static fromJSON(json: unknown): LlamaConfig {
    return new LlamaConfig(PretrainedConfig.parseJSON(LLAMA_FIELDS, json, 'LlamaConfig', 'llama') as LlamaConfigInit);
  }
}
