import { defineConfig, field } from '@peftjs/core';

export interface LNTuningConfigFields {
  /** The norm layers (or any modules) to tune: names, name endings, or one regex. */
  targetModules: string | string[] | null;
  excludeModules: string | string[] | null;
  modulesToSave: string[] | null;
}

export const LN_TUNING_FIELDS = [
  field.stringOrList('targetModules', null, { nullable: true }),
  field.stringOrList('excludeModules', null, { nullable: true }),
  field.stringList('modulesToSave', null, { nullable: true }),
];

/** Layer selection LN tuning's config does not have; it reads as null. */
export interface NoLayerIndices {
  readonly layersToTransform: null;
  readonly layersPattern: null;
}

/** PEFT's LNTuningConfig: `new LNTuningConfig({ targetModules: ['input_layernorm', 'post_attention_layernorm'] })`. */
export const LNTuningConfig = defineConfig<LNTuningConfigFields & NoLayerIndices>('LNTuningConfig', 'LN_TUNING', LN_TUNING_FIELDS, (c) => {
  Object.assign(c, { layersToTransform: null, layersPattern: null });
});
export type LNTuningConfig = InstanceType<typeof LNTuningConfig>;
