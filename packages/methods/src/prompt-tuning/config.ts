import { PROMPT_LEARNING_FIELDS, checkPromptLearning, type PromptLearningConfigFields } from '../prompt-learning/config-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field } from '../method/config-fields.js';

export type PromptTuningInit = 'RANDOM' | 'SAMPLE_VOCAB' | 'TEXT';

export interface PromptTuningConfigFields extends PromptLearningConfigFields {
  /** RANDOM: N(0, 1); SAMPLE_VOCAB: rows of random tokens' embeddings; TEXT: the embeddings of promptTuningInitText. */
  promptTuningInit: PromptTuningInit;
  promptTuningInitText: string | null;
  /** For TEXT: a tokenizer the caller provides (see PromptTuningConfig). */
  tokenizerNameOrPath: string | null;
  tokenizerKwargs: Record<string, unknown> | null;
}

/**
 * PEFT's PromptTuningConfig: `new PromptTuningConfig({ numVirtualTokens: 8, taskType: 'CAUSAL_LM' })`.
 * TEXT init needs the text's token ids: peft.js cannot download tokenizers, so a trainable TEXT
 * adapter is made by the caller (`PromptEmbedding.initFromTokens`); loading one works as in PEFT.
 */
export const PromptTuningConfig = defineConfig<PromptTuningConfigFields>(
  'PromptTuningConfig',
  'PROMPT_TUNING',
  {
    ...PROMPT_LEARNING_FIELDS,
    promptTuningInit: field.string('RANDOM', { choices: ['RANDOM', 'SAMPLE_VOCAB', 'TEXT'] }),
    promptTuningInitText: field.string(null, { nullable: true }),
    tokenizerNameOrPath: field.string(null, { nullable: true }),
    tokenizerKwargs: field.json(null, { nullable: true }),
  },
  (c) => {
    checkPromptLearning('PromptTuningConfig', c);
    if (c.promptTuningInit === 'TEXT' && !c.tokenizerNameOrPath)
      throw new TypeError(`PromptTuningConfig: promptTuningInit 'TEXT' needs tokenizerNameOrPath (tokenizer_name_or_path)`);
    if (c.promptTuningInit === 'TEXT' && c.promptTuningInitText === null)
      throw new TypeError(`PromptTuningConfig: promptTuningInit 'TEXT' needs promptTuningInitText (prompt_tuning_init_text)`);
    if (c.tokenizerKwargs && c.promptTuningInit !== 'TEXT')
      throw new TypeError(`PromptTuningConfig: tokenizerKwargs (tokenizer_kwargs) is only for promptTuningInit 'TEXT'`);
  },
);
export type PromptTuningConfig = InstanceType<typeof PromptTuningConfig>;
