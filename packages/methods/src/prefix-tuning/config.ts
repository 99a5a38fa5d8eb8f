import { defineConfig, field } from '@peftjs/core';
import { PROMPT_LEARNING_FIELDS, checkPromptLearning, type PromptLearningConfigFields } from '../prompt-learning/config-fields.js';

export interface PrefixTuningConfigFields extends PromptLearningConfigFields {
  /** Hidden size of the projection MLP (default token_dim). */
  encoderHiddenSize: number | null;
  /** Reparameterize the prefixes through Linear → tanh → Linear while training. */
  prefixProjection: boolean;
}

/** PEFT's PrefixTuningConfig: `new PrefixTuningConfig({ numVirtualTokens: 20, prefixProjection: true })`. */
export const PrefixTuningConfig = defineConfig<PrefixTuningConfigFields>('PrefixTuningConfig', 'PREFIX_TUNING', [
  ...PROMPT_LEARNING_FIELDS,
  field.int('encoderHiddenSize', null, { nullable: true, min: 1 }),
  field.boolean('prefixProjection', false),
], (c) => checkPromptLearning('PrefixTuningConfig', c));
export type PrefixTuningConfig = InstanceType<typeof PrefixTuningConfig>;
