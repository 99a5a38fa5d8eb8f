import { defineConfig } from '../method/peft-config.js';
import { field } from '../method/config-fields.js';

export interface AdaptionPromptConfigFields {
  /** Name of the attention submodules (default from the model: `self_attn` for Llama, `attn` for GPT-2). */
  targetModules: string | null;
  /** Prompt tokens a layer (required). */
  adapterLen: number | null;
  /** How many of the last layers get prompts (required). */
  adapterLayers: number | null;
}

/** PEFT's AdaptionPromptConfig (LLaMA-Adapter): `new AdaptionPromptConfig({ adapterLen: 10, adapterLayers: 30 })`. */
export const AdaptionPromptConfig = defineConfig<AdaptionPromptConfigFields>(
  'AdaptionPromptConfig',
  'ADAPTION_PROMPT',
  {
    targetModules: field.string(null, { nullable: true }),
    adapterLen: field.int(null, { nullable: true, min: 1 }),
    adapterLayers: field.int(null, { nullable: true, min: 1 }),
  },
  (c) => {
    if (c.adapterLen === null) throw new TypeError('AdaptionPromptConfig: adapterLen (adapter_len) is required');
    if (c.adapterLayers === null) throw new TypeError('AdaptionPromptConfig: adapterLayers (adapter_layers) is required');
  },
);
export type AdaptionPromptConfig = InstanceType<typeof AdaptionPromptConfig>;
