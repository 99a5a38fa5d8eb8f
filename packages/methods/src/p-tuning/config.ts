import { PROMPT_LEARNING_FIELDS, checkPromptLearning, type PromptLearningConfigFields } from '../prompt-learning/config-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field } from '../method/config-fields.js';

export interface PromptEncoderConfigFields extends PromptLearningConfigFields {
  encoderReparameterizationType: 'MLP' | 'LSTM';
  /** Hidden size of the MLP or LSTM (default token_dim). */
  encoderHiddenSize: number | null;
  /** LSTM layers (the MLP always has three Linear layers). */
  encoderNumLayers: number;
  /** Dropout between LSTM layers. */
  encoderDropout: number;
}

/** PEFT's PromptEncoderConfig (P-tuning): `new PromptEncoderConfig({ numVirtualTokens: 20, encoderHiddenSize: 128 })`. */
export const PromptEncoderConfig = defineConfig<PromptEncoderConfigFields>(
  'PromptEncoderConfig',
  'P_TUNING',
  {
    ...PROMPT_LEARNING_FIELDS,
    encoderReparameterizationType: field.string('MLP', { choices: ['MLP', 'LSTM'] }),
    encoderHiddenSize: field.int(null, { nullable: true, min: 1 }),
    encoderNumLayers: field.int(2, { min: 1 }),
    encoderDropout: field.number(0, { min: 0, max: 1 }),
  },
  (c) => {
    checkPromptLearning('PromptEncoderConfig', c);
    if (c.encoderDropout >= 1)
      throw new TypeError(`PromptEncoderConfig: encoderDropout (encoder_dropout) must be < 1, got ${c.encoderDropout}`);
  },
);
export type PromptEncoderConfig = InstanceType<typeof PromptEncoderConfig>;
