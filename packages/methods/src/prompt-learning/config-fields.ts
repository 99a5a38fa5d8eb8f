import { field, type ConfigField, type PeftConfig } from '@peftjs/core';

/** The fields every prompt-learning config has (PEFT's PromptLearningConfig); null ones come from the model. */
export const PROMPT_LEARNING_FIELDS: readonly ConfigField[] = [
  field.int('numVirtualTokens', null, { nullable: true, min: 1 }),
  field.int('tokenDim', null, { nullable: true, min: 1 }),
  field.int('numTransformerSubmodules', null, { nullable: true, min: 1, max: 1 }),
  field.int('numAttentionHeads', null, { nullable: true, min: 1 }),
  field.int('numLayers', null, { nullable: true, min: 1 }),
  field.stringList('modulesToSave', null, { nullable: true, unsupported: 'extra trainable modules with prompt learning' }),
];

export interface PromptLearningConfigFields {
  /** Virtual tokens put in front of the input (required). */
  numVirtualTokens: number | null;
  /** Width of a virtual token (default: the model's hidden size; for prefix tuning key/value heads × head dim). */
  tokenDim: number | null;
  /** 1 for decoder-only models. */
  numTransformerSubmodules: number | null;
  numAttentionHeads: number | null;
  numLayers: number | null;
  modulesToSave: string[] | null;
}

/** The relation checks every prompt-learning config shares. */
export function checkPromptLearning(name: string, c: PeftConfig & PromptLearningConfigFields): void {
  if (c.numVirtualTokens === null) throw new TypeError(`${name}: numVirtualTokens (num_virtual_tokens) is required`);
  if (c.taskType !== null && c.taskType !== 'CAUSAL_LM') {
    throw new TypeError(`${name}: taskType ${c.taskType} is not supported yet; peft.js runs prompt learning on causal LMs (CAUSAL_LM)`);
  }
}
