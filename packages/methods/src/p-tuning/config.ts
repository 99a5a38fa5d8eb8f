import { defineConfig, field } from '@peftjs/core';
import { PROMPT_LEARNING_FIELDS, checkPromptLearning, type PromptLearningConfigFields } from '../prompt-learning/config-fields.js';

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
export const PromptEncoderConfig = defineConfig<PromptEncoderConfigFields>('PromptEncoderConfig', 'P_TUNING', [
  ...PROMPT_LEARNING_FIELDS,
  field.string('encoderReparameterizationType', 'MLP', { choices: ['MLP', 'LSTM'] }),
  field.int('encoderHiddenSize', null, { nullable: true, min: 1 }),
  field.int('encoderNumLayers', 2, { min: 1 }),
  field.number('encoderDropout', 0, { min: 0, max: 1 }),
], (c) => {
  checkPromptLearning('PromptEncoderConfig', c);
  if (c.encoderDropout >= 1) throw new TypeError(`PromptEncoderConfig: encoderDropout (encoder_dropout) must be < 1, got ${c.encoderDropout}`);
});
export type PromptEncoderConfig = InstanceType<typeof PromptEncoderConfig>;
