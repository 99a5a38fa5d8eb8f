import { PretrainedConfig, type FieldTable } from '../config.js';
import type { DecoderLayout } from '../decoder/layout.js';
import { fieldsFrom } from '../decoder/fields.js';
import { LLAMA_FIELDS, LlamaConfig, type LlamaConfigInit } from '../llama/config.js';

const FIELDS: FieldTable = fieldsFrom(
  LLAMA_FIELDS,
  {
    intermediateSize: { default: 14336 },
    numKeyValueHeads: { default: 8 },
    maxPositionEmbeddings: { default: 4096 * 32 },
    slidingWindow: { json: 'sliding_window', kind: 'positiveInt', default: 4096, nullable: true },
  },
  ['attentionBias', 'mlpBias', 'pretrainingTp'],
);

export type MistralConfigInit = LlamaConfigInit & { slidingWindow?: number | null };

/** Hugging Face's MistralConfig: Llama with sliding-window attention over the last sliding_window keys. */
export class MistralConfig extends LlamaConfig {
  override readonly modelType: string = 'mistral';
  declare slidingWindow: number | null;

  constructor(init: MistralConfigInit = {}) {
    super(init);
  }

  protected override fields(): FieldTable {
    return FIELDS;
  }

  override decoderLayout(): DecoderLayout {
    return { ...super.decoderLayout(), qkvBias: false, outputBias: false, mlpBias: false, slidingWindow: () => this.slidingWindow };
  }

  static override fromJSON(json: unknown): MistralConfig {
    return new MistralConfig(PretrainedConfig.parseJSON(FIELDS, json, 'MistralConfig', 'mistral') as MistralConfigInit);
  }
}
