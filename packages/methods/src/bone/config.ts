import { checkRegexTargets } from '../hra/config.js';
import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface BoneConfigFields extends TargetFields {
  /** Chunk width of the input (and rows of bone_block). */
  r: number;
  /** true: zero blocks (Bone's default form); false: random blocks; 'bat': block-affine r × r blocks. */
  initWeights: boolean | 'bat';
  /** Which biases train: 'none', 'all', or 'bone_only' (those of adapted layers). */
  bias: 'none' | 'all' | 'bone_only';
}

export const BONE_FIELDS: FieldSpecs<BoneConfigFields> = {
  r: field.int(64, { min: 1 }),
  initWeights: field.json(true),
  bias: field.string('none', { choices: ['none', 'all', 'bone_only'] }),
  ...TARGET_FIELDS,
};

/**
 * PEFT's BoneConfig (Block-Affine adaptation; PEFT 0.18 deprecates it in favour of MiSS, which
 * reads the same weights): `new BoneConfig({ r: 64, targetModules: ['q_proj', 'v_proj'] })`.
 */
export const BoneConfig = defineConfig<BoneConfigFields>('BoneConfig', 'BONE', BONE_FIELDS, (c) => {
  if (c.initWeights !== true && c.initWeights !== false && c.initWeights !== 'bat') {
    throw new TypeError(`BoneConfig: initWeights (init_weights) must be true, false or 'bat', got ${JSON.stringify(c.initWeights)}`);
  }
  checkRegexTargets('BoneConfig', c);
});
export type BoneConfig = InstanceType<typeof BoneConfig>;
