import { PretrainedConfig, type FieldTable } from '../config.js';
import type { DecoderLayout } from '../decoder/layout.js';
import { fieldsFrom } from '../decoder/fields.js';
import { LLAMA_FIELDS, LlamaConfig, type LlamaConfigInit } from '../llama/config.js';

const FIELDS: FieldTable = fieldsFrom(
  LLAMA_FIELDS,
  {
    vocabSize: { default: 151936 },
    intermediateSize: { default: 22016 },
    maxPositionEmbeddings: { default: 32768 },
    bosTokenId: { default: null },
    eosTokenId: { default: null },
    useSlidingWindow: { json: 'use_sliding_window', kind: 'bool', default: false },
    slidingWindow: { json: 'sliding_window', kind: 'positiveInt', default: 4096, nullable: true },
    maxWindowLayers: { json: 'max_window_layers', kind: 'nonNegativeInt', default: 28 },
  },
  ['attentionBias', 'mlpBias', 'pretrainingTp'],
);

export type Qwen2ConfigInit = LlamaConfigInit & { useSlidingWindow?: boolean; slidingWindow?: number | null; maxWindowLayers?: number };

/** Hugging Face's Qwen2Config (Qwen2, Qwen2.5): Llama with biases on q, k and v, optional sliding windows on the upper layers. */
export class Qwen2Config extends LlamaConfig {
  override readonly modelType: string = 'qwen2';
  declare useSlidingWindow: boolean;
  declare slidingWindow: number | null;
  declare maxWindowLayers: number;

  constructor(init: Qwen2ConfigInit = {}) {
    super(init);
  }

  protected override fields(): FieldTable {
    return FIELDS;
  }

  override decoderLayout(): DecoderLayout {
    const window = this.useSlidingWindow ? this.slidingWindow : null;
    return {
      ...super.decoderLayout(),
      qkvBias: true,
      outputBias: false,
      mlpBias: false,
      slidingWindow: (i) => (window !== null && i >= this.maxWindowLayers ? window : null),
    };
  }

  static override fromJSON(json: unknown): Qwen2Config {
    return new Qwen2Config(PretrainedConfig.parseJSON(FIELDS, json, 'Qwen2Config', 'qwen2') as Qwen2ConfigInit);
  }
}
