import { MultiHeadAttention, type Module } from '@peftjs/core';
import { AdaptedAttention } from './adapted-attention.js';

export interface AdaptionPromptPlacement {
  /** Name of the attention submodules (`self_attn` for Llama). */
  targetModules: string;
  /** Prompt tokens a layer. */
  adapterLen: number;
  /** How many of the last layers get prompts. */
  adapterLayers: number;
}

/** Dotted paths of the attention modules named `.<targetModules>`, in model order; the last `adapterLayers` of them. */
export function adaptionPromptTargets(model: Module, placement: AdaptionPromptPlacement): string[] {
  const all = [...model.namedModules()].map(([name]) => name).filter((name) => name.endsWith(`.${placement.targetModules}`));
  if (!Number.isInteger(placement.adapterLayers) || placement.adapterLayers < 1) {
    throw new RangeError(`adaption prompt: adapter_layers must be a positive integer, got ${placement.adapterLayers}`);
  }
  if (all.length < placement.adapterLayers) {
    throw new RangeError(`adaption prompt: adapter_layers ${placement.adapterLayers} is more than the model's ${all.length} '${placement.targetModules}' modules`);
  }
  return all.slice(all.length - placement.adapterLayers);
}

/**
 * Wraps the attention of the top `adapterLayers` layers in AdaptedAttention (HF PEFT's
 * AdaptionPromptModel); returns the wrappers by path. Nothing changes when a target is not a
 * plain MultiHeadAttention (already wrapped, or another architecture).
 */
export function attachAdaptionPrompts(model: Module, placement: AdaptionPromptPlacement): Map<string, AdaptedAttention> {
  const paths = adaptionPromptTargets(model, placement);
  for (const path of paths) {
    const m = model.getSubmodule(path);
    if (m instanceof AdaptedAttention) throw new Error(`adaption prompt: ${path} already has adaption prompts (they cannot be stacked)`);
    if (!(m instanceof MultiHeadAttention)) {
      throw new TypeError(`adaption prompt: ${path} is a ${m.constructor.name}; adaption prompts need Llama-style attention (q_proj, k_proj, v_proj, o_proj)`);
    }
  }
  const out = new Map<string, AdaptedAttention>();
  for (const path of paths) {
    const wrapper = new AdaptedAttention(model.getSubmodule(path) as MultiHeadAttention, placement.adapterLen);
    model.setSubmodule(path, wrapper);
    out.set(path, wrapper);
  }
  return out;
}

/** Puts the wrapped attention modules back (the wrappers keep their prompts, to be put in again). */
export function detachAdaptionPrompts(model: Module, wrappers: ReadonlyMap<string, AdaptedAttention>): void {
  for (const [path, wrapper] of wrappers) model.setSubmodule(path, wrapper.model);
}

/** Puts wrappers made by attachAdaptionPrompts back in place. */
export function reattachAdaptionPrompts(model: Module, wrappers: ReadonlyMap<string, AdaptedAttention>): void {
  for (const [path, wrapper] of wrappers) model.setSubmodule(path, wrapper);
}
