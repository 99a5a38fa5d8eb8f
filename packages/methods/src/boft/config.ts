import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface BOFTConfigFields extends TargetFields {
  /** Size of each orthogonal block; give either this or boftBlockNum (the other 0). */
  boftBlockSize: number;
  /** Number of blocks per layer: boftBlockSize × boftBlockNum = in_features. */
  boftBlockNum: number;
  /** Number of butterfly factors (1: plain block-diagonal OFT). */
  boftNButterflyFactor: number;
  /** Training only: in one butterfly factor, this share of the blocks becomes the identity. */
  boftDropout: number;
  fanInFanOut: boolean;
  /** Which biases train: 'none', 'all', or 'boft_only' (those of adapted layers). */
  bias: 'none' | 'all' | 'boft_only';
  /** true: identity rotations and unit scales; false: R ~ N(0, 0.1²), s ~ N(1, 0.1²). */
  initWeights: boolean;
}

export const BOFT_FIELDS: FieldSpecs<BOFTConfigFields> = {
  boftBlockSize: field.int(4, { min: 0 }),
  boftBlockNum: field.int(0, { min: 0 }),
  boftNButterflyFactor: field.int(1, { min: 1 }),
  boftDropout: field.number(0, { min: 0, max: 1 }),
  fanInFanOut: field.boolean(false),
  bias: field.string('none', { choices: ['none', 'all', 'boft_only'] }),
  initWeights: field.boolean(true),
  ...TARGET_FIELDS,
};

/** PEFT's BOFTConfig: `new BOFTConfig({ boftBlockSize: 4, boftNButterflyFactor: 2, targetModules: ['q_proj'] })`. */
export const BOFTConfig = defineConfig<BOFTConfigFields>('BOFTConfig', 'BOFT', BOFT_FIELDS, (c) => {
  if (c.boftBlockSize === 0 && c.boftBlockNum === 0)
    throw new TypeError(
      'BOFTConfig: one of boftBlockSize (boft_block_size) and boftBlockNum (boft_block_num) must be non-zero, got both 0',
    );
  if (c.boftBlockSize !== 0 && c.boftBlockNum !== 0) {
    throw new TypeError(
      `BOFTConfig: give either boftBlockSize or boftBlockNum, not both, since boftBlockSize × boftBlockNum = in_features; got boftBlockSize = ${c.boftBlockSize}, boftBlockNum = ${c.boftBlockNum}`,
    );
  }
  if (c.layersPattern !== null && c.layersToTransform === null) throw new TypeError('BOFTConfig: layersPattern needs layersToTransform');
});
export type BOFTConfig = InstanceType<typeof BOFTConfig>;
