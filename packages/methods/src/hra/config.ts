import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface HRAConfigFields extends TargetFields {
  /** Number of Householder reflections per layer (even, for the identity initialisation). */
  r: number;
  /** Orthonormalise the reflection vectors (Gram–Schmidt): W' = W (I − 2UUᵀ). */
  applyGS: boolean;
  /** true: reflections in equal pairs (the identity); false: random vectors. */
  initWeights: boolean;
  /** Which biases train: 'none', 'all', or 'hra_only' (those of adapted layers). */
  bias: 'none' | 'all' | 'hra_only';
}

export const HRA_FIELDS: FieldSpecs<HRAConfigFields> = {
  r: field.int(8, { min: 1 }),
  applyGS: field.boolean(false, { hfName: 'apply_GS' }),
  initWeights: field.boolean(true),
  bias: field.string('none', { choices: ['none', 'all', 'hra_only'] }),
  ...TARGET_FIELDS,
};

/** Checks PEFT makes on the target fields of HRA, Bone and MiSS (a regex target takes no layer selection). */
export function checkRegexTargets(name: string, c: TargetFields): void {
  if (typeof c.targetModules === 'string' && c.layersToTransform !== null)
    throw new TypeError(`${name}: layersToTransform cannot be used when targetModules is a regex string`);
  if (typeof c.targetModules === 'string' && c.layersPattern !== null)
    throw new TypeError(`${name}: layersPattern cannot be used when targetModules is a regex string`);
}

/** PEFT's HRAConfig: `new HRAConfig({ r: 8, targetModules: ['q_proj', 'v_proj'] })`. */
export const HRAConfig = defineConfig<HRAConfigFields>('HRAConfig', 'HRA', HRA_FIELDS, (c) => {
  checkRegexTargets('HRAConfig', c);
  if (c.layersPattern !== null && c.layersToTransform === null) throw new TypeError('HRAConfig: layersPattern needs layersToTransform');
});
export type HRAConfig = InstanceType<typeof HRAConfig>;
