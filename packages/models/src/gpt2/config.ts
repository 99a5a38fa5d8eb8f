import { LABEL_FIELDS, PretrainedConfig, checkActivation, configError, type FieldTable } from '../config.js';
import { ClassifierConfig, labelInit } from '../labels.js';
import type { SizeEstimate } from '../construct.js';

const FIELDS: FieldTable = {
  vocabSize: { json: 'vocab_size', kind: 'positiveInt', default: 50257 },
  nPositions: { json: 'n_positions', kind: 'positiveInt', default: 1024 },
  nEmbd: { json: 'n_embd', kind: 'positiveInt', default: 768 },
  nLayer: { json: 'n_layer', kind: 'nonNegativeInt', default: 12 },
  nHead: { json: 'n_head', kind: 'positiveInt', default: 12 },
  nInner: { json: 'n_inner', kind: 'positiveInt', default: null, nullable: true },
  activationFunction: { json: 'activation_function', kind: 'string', default: 'gelu_new' },
  residPdrop: { json: 'resid_pdrop', kind: 'probability', default: 0.1 },
  embdPdrop: { json: 'embd_pdrop', kind: 'probability', default: 0.1 },
  attnPdrop: { json: 'attn_pdrop', kind: 'probability', default: 0.1 },
  layerNormEpsilon: { json: 'layer_norm_epsilon', kind: 'nonNegativeNumber', default: 1e-5 },
  initializerRange: { json: 'initializer_range', kind: 'nonNegativeNumber', default: 0.02 },
  scaleAttnWeights: { json: 'scale_attn_weights', kind: 'bool', default: true },
  scaleAttnByInverseLayerIdx: { json: 'scale_attn_by_inverse_layer_idx', kind: 'bool', default: false },
  reorderAndUpcastAttn: { json: 'reorder_and_upcast_attn', kind: 'bool', default: false },
  tieWordEmbeddings: { json: 'tie_word_embeddings', kind: 'bool', default: true },
  bosTokenId: { json: 'bos_token_id', kind: 'tokenId', default: 50256, nullable: true },
  eosTokenId: { json: 'eos_token_id', kind: 'tokenId', default: 50256, nullable: true },
  padTokenId: { json: 'pad_token_id', kind: 'int', default: null, nullable: true },
  ...LABEL_FIELDS,
};

export type GPT2ConfigInit = Partial<Omit<GPT2Config, 'modelType' | 'toJSON'>>;

/** Hugging Face's GPT2Config (defaults are GPT-2 small's; the label fields serve GPT2ForSequenceClassification). */
export class GPT2Config extends ClassifierConfig {
  readonly modelType = 'gpt2';
  vocabSize!: number;
  nPositions!: number;
  nEmbd!: number;
  nLayer!: number;
  nHead!: number;
  nInner!: number | null;
  activationFunction!: string;
  residPdrop!: number;
  embdPdrop!: number;
  attnPdrop!: number;
  layerNormEpsilon!: number;
  initializerRange!: number;
  scaleAttnWeights!: boolean;
  scaleAttnByInverseLayerIdx!: boolean;
  reorderAndUpcastAttn!: boolean;
  tieWordEmbeddings!: boolean;
  bosTokenId!: number | number[] | null;
  eosTokenId!: number | number[] | null;
  padTokenId!: number | null;

  constructor(init: GPT2ConfigInit = {}) {
    super();
    this.init(labelInit(init as Record<string, unknown>));
  }

  protected fields(): FieldTable {
    return FIELDS;
  }

  protected override check(): void {
    if (this.nEmbd % this.nHead !== 0)
      throw configError('GPT2Config', 'nEmbd', 'n_embd', `${this.nEmbd} must be divisible by n_head ${this.nHead}`);
    checkActivation('GPT2Config', 'activationFunction', 'activation_function', this.activationFunction);
    this.checkLabels('GPT2Config');
  }

  /** Like HF, a language-model config leaves out the label fields and pad_token_id while they hold their defaults. */
  override toJSON(architecture?: string): Record<string, unknown> {
    const out = super.toJSON(architecture);
    if (this.numLabels === 2 && this.id2label === null && this.problemType === null) {
      delete out.id2label;
      delete out.label2id;
      delete out.problem_type;
    }
    if (this.padTokenId === null) delete out.pad_token_id;
    return out;
  }

  /** The sizes this config implies, checked before a model is built from an untrusted config.json. */
  estimateSize(): SizeEstimate {
    const e = this.nEmbd;
    const inner = this.nInner ?? 4 * e;
    const layer = 4 * e + (3 * e * e + 3 * e) + (e * e + e) + (e * inner + inner) + (inner * e + e);
    const head = this.tieWordEmbeddings ? 0 : this.vocabSize * e;
    return {
      total: this.vocabSize * e + this.nPositions * e + this.nLayer * layer + 2 * e + head,
      largest: {
        'wte (vocab_size x n_embd)': this.vocabSize * e,
        'wpe (n_positions x n_embd)': this.nPositions * e,
        'c_attn (n_embd x 3 n_embd)': 3 * e * e,
        'c_fc (n_embd x n_inner)': e * inner,
      },
    };
  }

  get hiddenSize(): number {
    return this.nEmbd;
  }

  static fromJSON(json: unknown): GPT2Config {
    return new GPT2Config(PretrainedConfig.parseJSON(FIELDS, json, 'GPT2Config', 'gpt2') as GPT2ConfigInit);
  }
}
