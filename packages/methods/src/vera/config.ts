import { targetFieldsWithout } from '../tuners/absent-target-fields.js';
import { checkLayerSelection } from '../tuners/check-layer-selection.js';
import type { TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface VeraConfigFields extends TargetFields {
  /** Rank of the shared random projections. */
  r: number;
  /** Seed of PyTorch's generator that makes vera_A and vera_B (the same seed gives PEFT's very matrices). */
  projectionPrngKey: number;
  /** Save vera_A and vera_B with the adapter (else they are made again from the seed when loading). */
  saveProjection: boolean;
  veraDropout: number;
  /** The value λd starts at. */
  dInitial: number;
  /** The target stores its weight [in, out] (GPT-2's Conv1D); read from the layer itself. */
  fanInFanOut: boolean;
  /** Only 'none': PEFT trains base biases for 'all'/'vera_only' but does not save them. */
  bias: 'none' | 'all' | 'vera_only';
  /** true: λb = 0 and λd = dInitial (a no-op adapter); false: λb = 1 and λd random normal. */
  initWeights: boolean;
}

// PEFT's VeraConfig has no exclude_modules
const TARGETS = targetFieldsWithout('excludeModules');

export const VERA_FIELDS: FieldSpecs<Omit<VeraConfigFields, 'excludeModules'>> = {
  r: field.int(256, { min: 1 }),
  ...TARGETS.fields,
  projectionPrngKey: field.int(0),
  saveProjection: field.boolean(true),
  veraDropout: field.number(0, { min: 0, max: 1 }),
  dInitial: field.number(0.1),
  fanInFanOut: field.boolean(false),
  bias: field.string('none', {
    choices: ['none', 'all', 'vera_only'],
    unsupported: 'training base biases, which PEFT does not save for VeRA',
  }),
  initWeights: field.boolean(true),
};

/** PEFT's VeraConfig: `new VeraConfig({ r: 256, targetModules: ['q_proj', 'v_proj'] })`. */
export const VeraConfig = defineConfig<VeraConfigFields, 'excludeModules'>('VeraConfig', 'VERA', VERA_FIELDS, (c) => {
  TARGETS.fill(c);
  checkLayerSelection('VeraConfig', c);
});
export type VeraConfig = InstanceType<typeof VeraConfig>;
