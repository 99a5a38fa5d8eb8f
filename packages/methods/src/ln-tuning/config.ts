import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface LNTuningConfigFields {
  /** The norm layers (or any modules) to tune: names, name endings, or one regex. */
  targetModules: string | string[] | null;
  excludeModules: string | string[] | null;
  modulesToSave: string[] | null;
}

export const LN_TUNING_FIELDS: FieldSpecs<Omit<LNTuningConfigFields & NoLayerIndices, keyof NoLayerIndices>> = {
  targetModules: field.stringOrList(null, { nullable: true }),
  excludeModules: field.stringOrList(null, { nullable: true }),
  modulesToSave: field.stringList(null, { nullable: true }),
};

/** Layer selection LN tuning's config does not have; it reads as null. */
export interface NoLayerIndices {
  readonly layersToTransform: null;
  readonly layersPattern: null;
}

/** PEFT's LNTuningConfig: `new LNTuningConfig({ targetModules: ['input_layernorm', 'post_attention_layernorm'] })`. */
export const LNTuningConfig = defineConfig<LNTuningConfigFields & NoLayerIndices, keyof NoLayerIndices>(
  'LNTuningConfig',
  'LN_TUNING',
  LN_TUNING_FIELDS,
  (c) => {
    Object.assign(c, { layersToTransform: null, layersPattern: null });
  },
);
export type LNTuningConfig = InstanceType<typeof LNTuningConfig>;
