import { defineConfig, field } from '@peftjs/core';
import { targetFieldsWithout } from '../tuners/absent-target-fields.js';
import { checkLayerSelection } from '../tuners/layers-pattern-check.js';
import type { TargetFields } from '../tuners/target-fields.js';

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

export const VERA_FIELDS = [
  field.int('r', 256, { min: 1 }),
  ...TARGETS.fields,
  field.int('projectionPrngKey', 0),
  field.boolean('saveProjection', true),
  field.number('veraDropout', 0, { min: 0, max: 1 }),
  field.number('dInitial', 0.1),
  field.boolean('fanInFanOut', false),
  field.string('bias', 'none', { choices: ['none', 'all', 'vera_only'], unsupported: 'training base biases, which PEFT does not save for VeRA' }),
  field.boolean('initWeights', true),
];

/** PEFT's VeraConfig: `new VeraConfig({ r: 256, targetModules: ['q_proj', 'v_proj'] })`. */
export const VeraConfig = defineConfig<VeraConfigFields>('VeraConfig', 'VERA', VERA_FIELDS, (c) => {
  TARGETS.fill(c);
  checkLayerSelection('VeraConfig', c);
});
export type VeraConfig = InstanceType<typeof VeraConfig>;
