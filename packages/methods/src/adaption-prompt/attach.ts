import { MultiHeadAttention, type Module } from '@peftjs/core';
import { GPT2Attention } from '@peftjs/models';
import { AdaptedAttention } from './adapted-attention.js';
import { AdaptedAttentionGPT2 } from './adapted-attention-gpt2.js';

/** Either adaption-prompt wrapper: Llama-style attention or GPT-2's. */
export type AdaptionPromptWrapper = AdaptedAttention | AdaptedAttentionGPT2;

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
    throw new RangeError(
      `adaption prompt: adapter_layers ${placement.adapterLayers} is more than the model's ${all.length} '${placement.targetModules}' modules`,
    );
  }
  return all.slice(all.length - placement.adapterLayers);
}

/**
 * Wraps the attention of the top `adapterLayers` layers (HF PEFT's AdaptionPromptModel):
 * MultiHeadAttention (Llama) in AdaptedAttention, GPT2Attention in AdaptedAttentionGPT2; returns
 * the wrappers by path. Nothing changes when a target cannot be wrapped.
 */
export function attachAdaptionPrompts(model: Module, placement: AdaptionPromptPlacement): Map<string, AdaptionPromptWrapper> {
  const paths = adaptionPromptTargets(model, placement);
  for (const path of paths) {
    const m = model.getSubmodule(path);
    if (m instanceof AdaptedAttention || m instanceof AdaptedAttentionGPT2)
      throw new Error(`adaption prompt: ${path} already has adaption prompts (they cannot be stacked)`);
    if (!(m instanceof MultiHeadAttention) && !(m instanceof GPT2Attention)) {
      throw new TypeError(
        `adaption prompt: ${path} is a ${m.constructor.name}; adaption prompts need Llama-style attention (q_proj, k_proj, v_proj, o_proj) or GPT-2's`,
      );
    }
  }
  const out = new Map<string, AdaptionPromptWrapper>();
  for (const path of paths) {
    const m = model.getSubmodule(path);
    const wrapper =
      m instanceof GPT2Attention
        ? new AdaptedAttentionGPT2(m, placement.adapterLen)
        : new AdaptedAttention(m as MultiHeadAttention, placement.adapterLen);
    model.setSubmodule(path, wrapper);
    out.set(path, wrapper);
  }
  return out;
}

/** Puts the wrapped attention modules back (the wrappers keep their prompts, to be put in again). */
export function detachAdaptionPrompts(model: Module, wrappers: ReadonlyMap<string, AdaptionPromptWrapper>): void {
  for (const [path, wrapper] of wrappers) model.setSubmodule(path, wrapper.model);
}

/** Puts wrappers made by attachAdaptionPrompts back in place. */
export function reattachAdaptionPrompts(model: Module, wrappers: ReadonlyMap<string, AdaptionPromptWrapper>): void {
  for (const [path, wrapper] of wrappers) model.setSubmodule(path, wrapper);
}
