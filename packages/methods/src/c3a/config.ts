import { targetFieldsWithout } from '../tuners/absent-target-fields.js';
import { checkLayerSelection } from '../tuners/check-layer-selection.js';
import type { TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export type C3AInit = boolean | 'gaussian' | 'kaiming_uniform' | 'xavier_uniform';

export interface C3AConfigFields extends TargetFields {
  /** Size of the circulant blocks; must divide the in and out features. */
  blockSize: number;
  /** Only 'none': PEFT trains base biases for 'all'/'c3a_only' but does not save them. */
  bias: 'none' | 'all' | 'c3a_only';
  /** blockSize per module: a key matches a module name ending in `.<key>` (regex). */
  blockSizePattern: Record<string, number>;
  /** 'xavier_uniform' (PEFT's default, also for false), 'kaiming_uniform', 'gaussian', or true: zeros (a no-op). */
  initWeights: C3AInit;
}

// PEFT's C3AConfig has no exclude_modules
const TARGETS = targetFieldsWithout('excludeModules');
const INITS = ['gaussian', 'kaiming_uniform', 'xavier_uniform'];

export const C3A_FIELDS: FieldSpecs<Omit<C3AConfigFields, 'excludeModules'>> = {
  blockSize: field.int(256, { min: 1 }),
  ...TARGETS.fields,
  bias: field.string('none', {
    choices: ['none', 'all', 'c3a_only'],
    unsupported: 'training base biases, which PEFT does not save for C3A',
  }),
  blockSizePattern: field.numberRecord({}),
  initWeights: field.json('xavier_uniform'),
};

/** PEFT's C3AConfig: `new C3AConfig({ blockSize: 256, targetModules: ['q_proj', 'v_proj'] })`. */
export const C3AConfig = defineConfig<C3AConfigFields, 'excludeModules'>('C3AConfig', 'C3A', C3A_FIELDS, (c) => {
  TARGETS.fill(c);
  checkLayerSelection('C3AConfig', c, { regexExcludesLayers: true });
  if (typeof c.initWeights !== 'boolean' && !INITS.includes(c.initWeights as string)) {
    throw new TypeError(
      `C3AConfig: initWeights (init_weights) must be true, false, 'gaussian', 'kaiming_uniform' or 'xavier_uniform', got ${JSON.stringify(c.initWeights)}`,
    );
  }
  for (const [k, v] of Object.entries(c.blockSizePattern)) {
    if (!Number.isInteger(v) || v < 1) throw new TypeError(`C3AConfig: blockSizePattern['${k}'] must be a positive integer, got ${v}`);
  }
});
export type C3AConfig = InstanceType<typeof C3AConfig>;
