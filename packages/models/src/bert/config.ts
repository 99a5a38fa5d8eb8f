import { LABEL_FIELDS, PretrainedConfig, checkActivation, configError, type FieldTable } from '../config.js';
import type { SizeEstimate } from '../construct.js';
import { ClassifierConfig, labelInit } from '../labels.js';

const FIELDS: FieldTable = {
  vocabSize: { json: 'vocab_size', kind: 'positiveInt', default: 30522 },
  hiddenSize: { json: 'hidden_size', kind: 'positiveInt', default: 768 },
  numHiddenLayers: { json: 'num_hidden_layers', kind: 'nonNegativeInt', default: 12 },
  numAttentionHeads: { json: 'num_attention_heads', kind: 'positiveInt', default: 12 },
  intermediateSize: { json: 'intermediate_size', kind: 'positiveInt', default: 3072 },
  hiddenAct: { json: 'hidden_act', kind: 'string', default: 'gelu' },
  hiddenDropoutProb: { json: 'hidden_dropout_prob', kind: 'probability', default: 0.1 },
  attentionProbsDropoutProb: { json: 'attention_probs_dropout_prob', kind: 'probability', default: 0.1 },
  maxPositionEmbeddings: { json: 'max_position_embeddings', kind: 'positiveInt', default: 512 },
  typeVocabSize: { json: 'type_vocab_size', kind: 'positiveInt', default: 2 },
  initializerRange: { json: 'initializer_range', kind: 'nonNegativeNumber', default: 0.02 },
  layerNormEps: { json: 'layer_norm_eps', kind: 'nonNegativeNumber', default: 1e-12 },
  padTokenId: { json: 'pad_token_id', kind: 'int', default: 0, nullable: true },
  positionEmbeddingType: { json: 'position_embedding_type', kind: 'string', default: 'absolute' },
  classifierDropout: { json: 'classifier_dropout', kind: 'probability', default: null, nullable: true },
  ...LABEL_FIELDS,
};

export type BertConfigInit = Partial<Omit<BertConfig, 'modelType' | 'toJSON'>>;

/** Hugging Face's BertConfig (defaults are bert-base's). */
export class BertConfig extends ClassifierConfig {
  readonly modelType = 'bert';
  vocabSize!: number;
  hiddenSize!: number;
  numHiddenLayers!: number;
  numAttentionHeads!: number;
  intermediateSize!: number;
  hiddenAct!: string;
  hiddenDropoutProb!: number;
  attentionProbsDropoutProb!: number;
  maxPositionEmbeddings!: number;
  typeVocabSize!: number;
  initializerRange!: number;
  layerNormEps!: number;
  padTokenId!: number | null;
  positionEmbeddingType!: string;
  classifierDropout!: number | null;

  constructor(init: BertConfigInit = {}) {
    super();
    this.init(labelInit(init as Record<string, unknown>));
  }

  protected fields(): FieldTable {
    return FIELDS;
  }

  protected override check(): void {
    if (this.hiddenSize % this.numAttentionHeads !== 0) {
      throw configError(
        'BertConfig',
        'hiddenSize',
        'hidden_size',
        `${this.hiddenSize} must be divisible by num_attention_heads ${this.numAttentionHeads}`,
      );
    }
    checkActivation('BertConfig', 'hiddenAct', 'hidden_act', this.hiddenAct);
    if (this.positionEmbeddingType !== 'absolute') {
      throw configError(
        'BertConfig',
        'positionEmbeddingType',
        'position_embedding_type',
        `only 'absolute' is supported, got ${JSON.stringify(this.positionEmbeddingType)}`,
      );
    }
    this.checkLabels('BertConfig');
  }

  /** The sizes this config implies (with the pooler and a classifier head), checked before a model is built. */
  estimateSize(): SizeEstimate {
    const h = this.hiddenSize;
    const i = this.intermediateSize;
    const tables = { word: this.vocabSize * h, position: this.maxPositionEmbeddings * h, tokenType: this.typeVocabSize * h };
    const layer = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 4 * h;
    return {
      total:
        tables.word + tables.position + tables.tokenType + 2 * h + this.numHiddenLayers * layer + (h * h + h) + (h + 1) * this.numLabels,
      largest: {
        'word_embeddings (vocab_size x hidden_size)': tables.word,
        'position_embeddings (max_position_embeddings x hidden_size)': tables.position,
        'token_type_embeddings (type_vocab_size x hidden_size)': tables.tokenType,
        'intermediate (hidden_size x intermediate_size)': h * i,
        'classifier (hidden_size x num_labels)': h * this.numLabels,
      },
    };
  }

  static fromJSON(json: unknown): BertConfig {
    return new BertConfig(PretrainedConfig.parseJSON(FIELDS, json, 'BertConfig', 'bert') as BertConfigInit);
  }
}
