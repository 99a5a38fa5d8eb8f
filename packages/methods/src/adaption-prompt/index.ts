import { MultiHeadAttention, type Module, type Tensor } from '@peftjs/core';
import { GPT2Attention } from '@peftjs/models';
import type { TunerModel } from '../tuners/tuner-model.js';
import { AdaptedAttention } from './adapted-attention.js';
import { AdaptedAttentionGPT2 } from './adapted-attention-gpt2.js';
import { attachAdaptionPrompts, detachAdaptionPrompts, reattachAdaptionPrompts, type AdaptionPromptWrapper } from './attach.js';
import { AdaptionPromptConfig } from './config.js';
import { registerPeftMethod } from '../method/registry.js';
import type { AdapterContext, LayerConfig, LayerMethod } from '../method/layer-method.js';

type Config = AdaptionPromptConfig & LayerConfig;
type Context = AdapterContext<Config>;

/** The wrappers of the adapter in each tuner, by path in the user's model (kept while detached). */
const placed = new WeakMap<TunerModel, { adapter: string; wrappers: Map<string, AdaptionPromptWrapper> }>();

function wrappersOf({ tuner, adapterName }: Context): Map<string, AdaptionPromptWrapper> {
  const entry = placed.get(tuner);
  return entry && entry.adapter === adapterName ? entry.wrappers : new Map();
}

/** PEFT's defaults by model type: the attention submodule's name. */
function defaultTarget(model: Module): string {
  for (const [, m] of model.namedModules()) {
    if (m instanceof GPT2Attention) return 'attn';
    if (m instanceof MultiHeadAttention) return 'self_attn';
  }
  throw new TypeError(
    `AdaptionPromptConfig: ${model.constructor.name} has no Llama-style or GPT-2 attention; adaption prompts support Llama and GPT-2 models`,
  );
}

/**
 * Adaption prompts (LLaMA-Adapter, Zhang et al., 2023): gated learned prompts in the attention
 * of the top layers. In memory and on disk the tensors are
 * `base_model.model.<layer path>.<attention>.adaption_prompt` and `.adaption_gate` (no adapter
 * name, as PEFT); one adaption-prompt adapter per model.
 */
export const adaptionPrompt: LayerMethod<Config> = {
  peftType: 'ADAPTION_PROMPT',
  kind: 'layer',
  configClass: AdaptionPromptConfig as never,
  prefix: 'adaption_',
  // its wrappers are not tuner layers: a second adapter never goes into them
  isLayer: (_m: Module): _m is never => false,
  wrapLayer(target: Module, { config }) {
    if (target instanceof GPT2Attention) return new AdaptedAttentionGPT2(target, config.adapterLen!);
    return new AdaptedAttention(target as MultiHeadAttention, config.adapterLen!);
  },
  prepare({ tuner, adapterName }) {
    const entry = placed.get(tuner);
    if (entry)
      throw new Error(
        `addAdapter: the model already has the adaption prompt adapter '${entry.adapter}'; peft.js keeps one adaption-prompt adapter per model (adding '${adapterName}')`,
      );
  },
  inject(context) {
    const { tuner, config, adapterName } = context;
    const targetModules = config.targetModules ?? defaultTarget(tuner.model);
    if (typeof targetModules !== 'string')
      throw new TypeError(
        `AdaptionPromptConfig: targetModules (target_modules) must be one module name, got ${JSON.stringify(targetModules)}`,
      );
    // PEFT's prepare_config writes the default into the adapter's config
    (config as { targetModules: string | string[] | null }).targetModules = targetModules;
    const wrappers = attachAdaptionPrompts(tuner.model, {
      targetModules,
      adapterLen: config.adapterLen!,
      adapterLayers: config.adapterLayers!,
    });
    placed.set(tuner, { adapter: adapterName, wrappers });
  },
  *extraTensors(context): Iterable<[string, Tensor]> {
    for (const [path, w] of wrappersOf(context)) {
      yield [`model.${path}.adaption_prompt`, w.adaptionPrompt];
      yield [`model.${path}.adaption_gate`, w.adaptionGate];
    }
  },
  setDisabled(context, disabled) {
    const wrappers = wrappersOf(context);
    if (disabled) detachAdaptionPrompts(context.tuner.model, wrappers);
    else reattachAdaptionPrompts(context.tuner.model, wrappers);
  },
  deleteAdapter(context) {
    const wrappers = wrappersOf(context);
    detachAdaptionPrompts(context.tuner.model, wrappers);
    for (const w of wrappers.values()) {
      w.adaptionPrompt.dispose();
      w.adaptionGate.dispose();
    }
    if (placed.get(context.tuner)?.adapter === context.adapterName) placed.delete(context.tuner);
  },
};
registerPeftMethod(adaptionPrompt);

export { AdaptionPromptConfig, type AdaptionPromptConfigFields } from './config.js';
export { AdaptedAttention } from './adapted-attention.js';
export { AdaptedAttentionGPT2 } from './adapted-attention-gpt2.js';
export {
  attachAdaptionPrompts,
  detachAdaptionPrompts,
  reattachAdaptionPrompts,
  adaptionPromptTargets,
  type AdaptionPromptWrapper,
  type AdaptionPromptPlacement,
} from './attach.js';
