import { LABEL_FIELDS, PretrainedConfig, checkActivation, configError, type FieldTable } from '../config.js';
import type { SizeEstimate } from '../construct.js';
import { ClassifierConfig, labelInit } from '../labels.js';

const FIELDS: FieldTable = {
  hiddenSize: { json: 'hidden_size', kind: 'positiveInt', default: 768 },
  numHiddenLayers: { json: 'num_hidden_layers', kind: 'nonNegativeInt', default: 12 },
  numAttentionHeads: { json: 'num_attention_heads', kind: 'positiveInt', default: 12 },
  intermediateSize: { json: 'intermediate_size', kind: 'positiveInt', default: 3072 },
  hiddenAct: { json: 'hidden_act', kind: 'string', default: 'gelu' },
  hiddenDropoutProb: { json: 'hidden_dropout_prob', kind: 'probability', default: 0 },
  attentionProbsDropoutProb: { json: 'attention_probs_dropout_prob', kind: 'probability', default: 0 },
  initializerRange: { json: 'initializer_range', kind: 'nonNegativeNumber', default: 0.02 },
  layerNormEps: { json: 'layer_norm_eps', kind: 'nonNegativeNumber', default: 1e-12 },
  imageSize: { json: 'image_size', kind: 'positiveInt', default: 224 },
  patchSize: { json: 'patch_size', kind: 'positiveInt', default: 16 },
  numChannels: { json: 'num_channels', kind: 'positiveInt', default: 3 },
  qkvBias: { json: 'qkv_bias', kind: 'bool', default: true },
  encoderStride: { json: 'encoder_stride', kind: 'positiveInt', default: 16 },
  ...LABEL_FIELDS,
};

export type ViTConfigInit = Partial<Omit<ViTConfig, 'modelType' | 'toJSON' | 'numPatches'>>;

/** Hugging Face's ViTConfig (defaults are vit-base-patch16-224's). */
export class ViTConfig extends ClassifierConfig {
  readonly modelType = 'vit';
  hiddenSize!: number;
  numHiddenLayers!: number;
  numAttentionHeads!: number;
  intermediateSize!: number;
  hiddenAct!: string;
  hiddenDropoutProb!: number;
  attentionProbsDropoutProb!: number;
  initializerRange!: number;
  layerNormEps!: number;
  imageSize!: number;
  patchSize!: number;
  numChannels!: number;
  qkvBias!: boolean;
  encoderStride!: number;

  constructor(init: ViTConfigInit = {}) {
    super();
    this.init(labelInit(init as Record<string, unknown>));
  }

  protected fields(): FieldTable {
    return FIELDS;
  }

  /** Patches per image: (image_size / patch_size)². */
  get numPatches(): number {
    return Math.floor(this.imageSize / this.patchSize) ** 2;
  }

  protected override check(): void {
    if (this.hiddenSize % this.numAttentionHeads !== 0) {
      throw configError(
        'ViTConfig',
        'hiddenSize',
        'hidden_size',
        `${this.hiddenSize} must be divisible by num_attention_heads ${this.numAttentionHeads}`,
      );
    }
    checkActivation('ViTConfig', 'hiddenAct', 'hidden_act', this.hiddenAct);
    if (this.patchSize > this.imageSize)
      throw configError('ViTConfig', 'patchSize', 'patch_size', `${this.patchSize} is larger than image_size ${this.imageSize}`);
    this.checkLabels('ViTConfig');
  }

  /** The sizes this config implies (with the pooler and a classifier head), checked before a model is built. */
  estimateSize(): SizeEstimate {
    const h = this.hiddenSize;
    const i = this.intermediateSize;
    const patch = h * this.numChannels * this.patchSize ** 2 + h;
    const positions = (this.numPatches + 1) * h;
    const layer = 3 * (h * h + (this.qkvBias ? h : 0)) + (h * h + h) + (h * i + i) + (i * h + h) + 4 * h;
    return {
      total: patch + h + positions + this.numHiddenLayers * layer + 2 * h + (h * h + h) + (h + 1) * this.numLabels,
      largest: {
        'patch_embeddings (hidden_size x num_channels x patch_size²)': patch,
        'position_embeddings (patches + 1 x hidden_size)': positions,
        'intermediate (hidden_size x intermediate_size)': h * i,
        'classifier (hidden_size x num_labels)': h * this.numLabels,
      },
    };
  }

  static fromJSON(json: unknown): ViTConfig {
    return new ViTConfig(PretrainedConfig.parseJSON(FIELDS, json, 'ViTConfig', 'vit') as ViTConfigInit);
  }
}
