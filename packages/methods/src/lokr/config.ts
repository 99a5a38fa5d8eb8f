import { LYCORIS_FIELDS, checkRankPattern, type LycorisConfigFields } from '../lycoris/config.js';
import { checkLayerSelection } from '../tuners/check-layer-selection.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface LoKrConfigFields extends LycorisConfigFields {
  /** Also split the left Kronecker factor into a rank-r product when r is small enough. */
  decomposeBoth: boolean;
  /** The factor the dimensions are split by (-1: near the square root). */
  decomposeFactor: number;
  /** Rank dropout divides the kept rows by their share. */
  rankDropoutScale: boolean;
  /** true: W1 starts at zero (a no-op adapter); 'lycoris': W2 starts at zero instead; false: all random. */
  initWeights: boolean | 'lycoris';
}

export const LOKR_FIELDS: FieldSpecs<LoKrConfigFields> = {
  ...LYCORIS_FIELDS,
  decomposeBoth: field.boolean(false),
  decomposeFactor: field.int(-1),
  rankDropoutScale: field.boolean(false),
  initWeights: field.json(true),
};

/** PEFT's LoKrConfig: `new LoKrConfig({ r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] })`. */
export const LoKrConfig = defineConfig<LoKrConfigFields>('LoKrConfig', 'LOKR', LOKR_FIELDS, (c) => {
  checkLayerSelection('LoKrConfig', c);
  checkRankPattern('LoKrConfig', c);
  if (typeof c.initWeights !== 'boolean' && c.initWeights !== 'lycoris') {
    throw new TypeError(`LoKrConfig: initWeights (init_weights) must be true, false or 'lycoris', got ${JSON.stringify(c.initWeights)}`);
  }
  if (c.decomposeFactor < 1 && c.decomposeFactor !== -1)
    throw new TypeError(`LoKrConfig: decomposeFactor (decompose_factor) must be a positive integer or -1, got ${c.decomposeFactor}`);
});
export type LoKrConfig = InstanceType<typeof LoKrConfig>;
