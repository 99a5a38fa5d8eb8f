import { checkRegexTargets } from '../hra/config.js';
import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface MissConfigFields extends TargetFields {
  /** Chunk width of the input (and rows of miss_block). */
  r: number;
  /** Dropout on the input of the adapter branch. */
  missDropout: number;
  /** 'mini' mode: miss_block is [r, miniR], repeated across the outputs (miniR divides out_features). */
  miniR: number;
  /** true: zero blocks (MiSS's balanced form); false: random blocks; 'bat': block-affine r × r blocks; 'mini': a small block repeated. */
  initWeights: boolean | 'bat' | 'mini';
  /** Which biases train: 'none', 'all', or 'miss_only' (those of adapted layers). */
  bias: string;
}

export const MISS_FIELDS: FieldSpecs<MissConfigFields> = {
  r: field.int(64, { min: 1 }),
  missDropout: field.number(0, { min: 0, max: 1 }),
  miniR: field.int(1, { min: 1 }),
  initWeights: field.json(true),
  // PEFT's help text spells it 'MiSS_only'; any '<name>_only' selects the adapted layers' biases
  bias: field.string('none', { choices: ['none', 'all', 'miss_only', 'MiSS_only'] }),
  ...TARGET_FIELDS,
};

/** PEFT's MissConfig (MiSS, the successor of Bone): `new MissConfig({ r: 64, targetModules: ['q_proj', 'v_proj'] })`. */
export const MissConfig = defineConfig<MissConfigFields>('MissConfig', 'MISS', MISS_FIELDS, (c) => {
  if (c.initWeights !== true && c.initWeights !== false && c.initWeights !== 'bat' && c.initWeights !== 'mini') {
    throw new TypeError(
      `MissConfig: initWeights (init_weights) must be true, false, 'bat' or 'mini', got ${JSON.stringify(c.initWeights)}`,
    );
  }
  checkRegexTargets('MissConfig', c);
});
export type MissConfig = InstanceType<typeof MissConfig>;
