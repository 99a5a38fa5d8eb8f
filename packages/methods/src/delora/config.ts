import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface DeloraConfigFields extends TargetFields {
  /** Rank of the update. */
  r: number;
  /** Initial bound λ on the update's norm (delora_lambda starts here and trains). */
  deloraLambda: number;
  /** Dropout on the adapter branch's input. */
  moduleDropout: number;
  /** Which biases train: 'none', 'all', or 'delora_only' (those of adapted layers). */
  bias: 'none' | 'all' | 'delora_only';
  /** true: kaiming-uniform A, zero B (no change at first); false: both random. */
  initWeights: boolean;
  /** Per-module ranks: keys match module names as `(.*\.)?key$`. */
  rankPattern: Record<string, number>;
  /** Per-module initial λ, matched like rankPattern. */
  lambdaPattern: Record<string, number>;
}

export const DELORA_FIELDS: FieldSpecs<DeloraConfigFields> = {
  r: field.int(8, { min: 1 }),
  deloraLambda: field.number(15),
  moduleDropout: field.number(0, { min: 0, max: 1 }),
  bias: field.string('none', { choices: ['none', 'all', 'delora_only'] }),
  initWeights: field.boolean(true),
  rankPattern: field.numberRecord({}),
  lambdaPattern: field.numberRecord({}),
  ...TARGET_FIELDS,
};

/** PEFT's DeloraConfig: `new DeloraConfig({ r: 8, deloraLambda: 15, targetModules: ['q_proj', 'v_proj'] })`. */
export const DeloraConfig = defineConfig<DeloraConfigFields>('DeloraConfig', 'DELORA', DELORA_FIELDS, (c) => {
  if (typeof c.targetModules === 'string' && c.layersToTransform !== null)
    throw new TypeError('DeloraConfig: layersToTransform cannot be used when targetModules is a regex string');
  if (c.layersPattern !== null && c.layersToTransform === null) throw new TypeError('DeloraConfig: layersPattern needs layersToTransform');
  for (const [k, v] of Object.entries(c.rankPattern)) {
    if (!Number.isInteger(v) || v < 1) throw new TypeError(`DeloraConfig: rankPattern['${k}'] must be a positive integer, got ${v}`);
  }
});
export type DeloraConfig = InstanceType<typeof DeloraConfig>;
