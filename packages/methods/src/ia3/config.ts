import { targetFieldsWithout } from '../tuners/absent-target-fields.js';
import type { TargetFields } from '../tuners/target-fields.js';
import { fullMatch } from '../tuners/python-regex.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface IA3ConfigFields extends TargetFields {
  /**
   * Modules whose input is scaled instead of their output (the paper's feed-forward layers): one
   * regex (full match) or names the module name ends with. Must be among `targetModules` when both are lists.
   */
  feedforwardModules: string | string[] | null;
  /** The target stores its weight [in, out] (GPT-2's Conv1D). */
  fanInFanOut: boolean;
  /** true: the vectors start at 1 (the adapter is a no-op); false: random normal. */
  initIa3Weights: boolean;
}

// PEFT's IA3Config has no layers_to_transform / layers_pattern
const TARGETS = targetFieldsWithout('layersToTransform', 'layersPattern');

export const IA3_FIELDS: FieldSpecs<Omit<IA3ConfigFields, 'layersToTransform' | 'layersPattern'>> = {
  ...TARGETS.fields,
  feedforwardModules: field.stringOrList(null, { nullable: true }),
  fanInFanOut: field.boolean(false),
  initIa3Weights: field.boolean(true),
};

/** PEFT's IA3Config: `new IA3Config({ targetModules: ['k_proj', 'v_proj', 'down_proj'], feedforwardModules: ['down_proj'] })`. */
export const IA3Config = defineConfig<IA3ConfigFields, 'layersToTransform' | 'layersPattern'>('IA3Config', 'IA3', IA3_FIELDS, (c) => {
  TARGETS.fill(c);
  const { feedforwardModules: ff, targetModules: targets } = c;
  if (Array.isArray(ff) && Array.isArray(targets)) {
    const outside = ff.filter((m) => !targets.includes(m));
    if (outside.length > 0) {
      throw new TypeError(
        `IA3Config: feedforwardModules (feedforward_modules) must be a subset of targetModules; not targeted: ${outside.join(', ')}`,
      );
    }
  }
});
export type IA3Config = InstanceType<typeof IA3Config>;

/** PEFT's _check_target_module_feedforward: a regex (full match) or a name the module's name ends with. */
export function isFeedforwardModule(config: IA3ConfigFields, key: string): boolean {
  const ff = config.feedforwardModules;
  if (ff === null) return false;
  if (typeof ff === 'string') return fullMatch(ff, key, 'feedforward_modules');
  return ff.some((name) => key.endsWith(name));
}
