import { field, type FieldSpecs } from '../method/config-fields.js';
import type { PeftConfig } from '../method/peft-config.js';

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

/** The fields every prompt-learning config has (PEFT's PromptLearningConfig); null ones come from the model. */
export const PROMPT_LEARNING_FIELDS: FieldSpecs<PromptLearningConfigFields> = {
  numVirtualTokens: field.int(null, { nullable: true, min: 1 }),
  tokenDim: field.int(null, { nullable: true, min: 1 }),
  numTransformerSubmodules: field.int(null, { nullable: true, min: 1, max: 1 }),
  numAttentionHeads: field.int(null, { nullable: true, min: 1 }),
  numLayers: field.int(null, { nullable: true, min: 1 }),
  modulesToSave: field.stringList(null, { nullable: true, unsupported: 'extra trainable modules with prompt learning' }),
};

/** The relation checks every prompt-learning config shares. */
export function checkPromptLearning(name: string, c: PeftConfig & PromptLearningConfigFields): void {
  if (c.numVirtualTokens === null) throw new TypeError(`${name}: numVirtualTokens (num_virtual_tokens) is required`);
  if (c.taskType !== null && c.taskType !== 'CAUSAL_LM') {
    throw new TypeError(`${name}: taskType ${c.taskType} is not supported yet; peft.js runs prompt learning on causal LMs (CAUSAL_LM)`);
  }
}
