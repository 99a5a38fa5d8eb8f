import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface OFTConfigFields extends TargetFields {
  /** Number of blocks per layer; give either r or oftBlockSize (the other 0): r × oftBlockSize = in_features. */
  r: number;
  /** Size of each orthogonal block (PEFT's default, 32, with r = 0). */
  oftBlockSize: number;
  /** Training only: each block becomes the identity with this probability (multiplicative dropout). */
  moduleDropout: number;
  /** PEFT accepts it but OFT's Linear ignores it (weights are (out, in)). */
  fanInFanOut: boolean;
  /** Which biases train: 'none', 'all', or 'oft_only' (those of adapted layers). */
  bias: 'none' | 'all' | 'oft_only';
  /** true: R starts at the identity (Q = 0); false: Q ~ N(0, 0.1²). */
  initWeights: boolean;
  /** Constrained OFT: before each use, Q is projected into a ball of radius eps (per block). */
  coft: boolean;
  /** COFT's radius. */
  eps: number;
  /** One block shared by all blocks of a layer. */
  blockShare: boolean;
  /** Cayley–Neumann approximation (PEFT's default) instead of the exact Cayley transform. */
  useCayleyNeumann: boolean;
  numCayleyNeumannTerms: number;
}

export const OFT_FIELDS: FieldSpecs<OFTConfigFields> = {
  r: field.int(0, { min: 0 }),
  oftBlockSize: field.int(32, { min: 0 }),
  moduleDropout: field.number(0, { min: 0, max: 1 }),
  fanInFanOut: field.boolean(false),
  bias: field.string('none', { choices: ['none', 'all', 'oft_only'] }),
  initWeights: field.boolean(true),
  coft: field.boolean(false),
  eps: field.number(6e-5, { min: 0 }),
  blockShare: field.boolean(false),
  useCayleyNeumann: field.boolean(true),
  numCayleyNeumannTerms: field.int(5, { min: 1 }),
  ...TARGET_FIELDS,
};

/** PEFT's OFTConfig: `new OFTConfig({ oftBlockSize: 32, targetModules: ['q_proj', 'v_proj'] })`. */
export const OFTConfig = defineConfig<OFTConfigFields>('OFTConfig', 'OFT', OFT_FIELDS, (c) => {
  if (c.r === 0 && c.oftBlockSize === 0)
    throw new TypeError('OFTConfig: one of r and oftBlockSize (oft_block_size) must be non-zero, got both 0');
  if (c.r !== 0 && c.oftBlockSize !== 0) {
    throw new TypeError(
      `OFTConfig: give either r or oftBlockSize (oft_block_size), not both, since r × oftBlockSize = in_features; got r = ${c.r}, oftBlockSize = ${c.oftBlockSize}`,
    );
  }
  if (c.layersPattern !== null && c.layersToTransform === null) throw new TypeError('OFTConfig: layersPattern needs layersToTransform');
});
export type OFTConfig = InstanceType<typeof OFTConfig>;
