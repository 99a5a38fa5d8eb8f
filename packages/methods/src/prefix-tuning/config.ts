import { PROMPT_LEARNING_FIELDS, checkPromptLearning, type PromptLearningConfigFields } from '../prompt-learning/config-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field } from '../method/config-fields.js';

export interface PrefixTuningConfigFields extends PromptLearningConfigFields {
  /** Hidden size of the projection MLP (default token_dim). */
  encoderHiddenSize: number | null;
  /** Reparameterize the prefixes through Linear → tanh → Linear while training. */
  prefixProjection: boolean;
}

/** PEFT's PrefixTuningConfig: `new PrefixTuningConfig({ numVirtualTokens: 20, prefixProjection: true })`. */
export const PrefixTuningConfig = defineConfig<PrefixTuningConfigFields>(
  'PrefixTuningConfig',
  'PREFIX_TUNING',
  {
    ...PROMPT_LEARNING_FIELDS,
    encoderHiddenSize: field.int(null, { nullable: true, min: 1 }),
    prefixProjection: field.boolean(false),
  },
  (c) => checkPromptLearning('PrefixTuningConfig', c),
);
export type PrefixTuningConfig = InstanceType<typeof PrefixTuningConfig>;
