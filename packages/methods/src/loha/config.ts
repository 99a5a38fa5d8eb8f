import { LYCORIS_FIELDS, checkRankPattern, type LycorisConfigFields } from '../lycoris/config.js';
import { checkLayerSelection } from '../tuners/check-layer-selection.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface LoHaConfigFields extends LycorisConfigFields {
  /** true: W2b starts at zero (the adapter is a no-op); false: every factor random. */
  initWeights: boolean;
}

export const LOHA_FIELDS: FieldSpecs<LoHaConfigFields> = { ...LYCORIS_FIELDS, initWeights: field.boolean(true) };

/** PEFT's LoHaConfig: `new LoHaConfig({ r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] })`. */
export const LoHaConfig = defineConfig<LoHaConfigFields>('LoHaConfig', 'LOHA', LOHA_FIELDS, (c) => {
  checkLayerSelection('LoHaConfig', c);
  checkRankPattern('LoHaConfig', c);
});
export type LoHaConfig = InstanceType<typeof LoHaConfig>;
