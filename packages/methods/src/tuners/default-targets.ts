import type { Module } from '@peftjs/core';
import { allLinearTargets } from './targets.js';
import type { LayerConfig } from '../method/layer-method.js';

type ByModelType = Readonly<Record<string, readonly string[]>>;

/*
 * PEFT's TRANSFORMERS_MODELS_TO_<METHOD>_TARGET_MODULES_MAPPING (src/peft/utils/constants.py), for
 * the model types peft.js builds. PEFT has no LoRA-family entry for phi3 or vit, so neither has a
 * default here: their configs must name targetModules, as in PEFT.
 */
const LORA: ByModelType = {
  gpt2: ['c_attn'],
  bert: ['query', 'value'],
  llama: ['q_proj', 'v_proj'],
  mistral: ['q_proj', 'v_proj'],
  qwen2: ['q_proj', 'v_proj'],
  gemma: ['q_proj', 'v_proj'],
};
/** FourierFT, C3A and WaveFT: LoRA's, with GPT-2's MLP output projection. */
const GPT2_MLP: ByModelType = { ...LORA, gpt2: ['mlp.c_proj'] };
/** AdaLoRA's and VB-LoRA's own tables have no mistral entry. */
const { mistral: _mistral, ...WITHOUT_MISTRAL } = LORA;

const TARGET_MODULES: Readonly<Record<string, ByModelType>> = {
  ...Object.fromEntries(['LORA', 'LOHA', 'LOKR', 'BOFT', 'OFT', 'HRA', 'BONE', 'MISS', 'ROAD', 'DELORA', 'VERA'].map((t) => [t, LORA])),
  FOURIERFT: GPT2_MLP,
  C3A: GPT2_MLP,
  WAVEFT: GPT2_MLP,
  ADALORA: WITHOUT_MISTRAL,
  VBLORA: WITHOUT_MISTRAL,
  IA3: {
    gpt2: ['c_attn', 'mlp.c_proj'],
    bert: ['key', 'value', 'output.dense'],
    llama: ['k_proj', 'v_proj', 'down_proj'],
    mistral: ['k_proj', 'v_proj', 'down_proj'],
    qwen2: ['q_proj', 'v_proj', 'down_proj'],
    gemma: ['q_proj', 'v_proj', 'down_proj'],
  },
  LN_TUNING: {
    gpt2: ['ln_1', 'ln_2', 'ln_f'],
    llama: ['input_layernorm', 'post_attention_layernorm', 'norm'],
    mistral: ['input_layernorm', 'post_attention_layernorm', 'norm'],
    qwen2: ['post_attention_layernorm'],
    gemma: ['input_layernorm', 'post_attention_layernorm', 'norm'],
  },
};

/** PEFT's TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING. */
const IA3_FEEDFORWARD_MODULES: ByModelType = {
  gpt2: ['mlp.c_proj'],
  bert: ['output.dense'],
  llama: ['down_proj'],
  mistral: ['down_proj'],
  qwen2: ['down_proj'],
  gemma: ['down_proj'],
};

/** The model's `model_type`; PEFT calls a model without a config "custom". */
export function modelTypeOf(model: Module): string {
  const modelType = (model as { config?: { modelType?: unknown } }).config?.modelType;
  return typeof modelType === 'string' ? modelType : 'custom';
}

/** PEFT's default `target_modules` of a method for a model type; null where PEFT has none. */
export function defaultTargetModules(peftType: string, modelType: string): string[] | null {
  const targets = TARGET_MODULES[peftType]?.[modelType];
  return targets ? [...targets] : null;
}

function noDefaultTargets(config: LayerConfig, modelType: string): TypeError {
  const name = config.constructor.name;
  return new TypeError(
    `${name}: targetModules is not set and PEFT has no default targetModules of ${config.peftType} for model_type ${JSON.stringify(modelType)}; ` +
      `set targetModules in the ${name} (module names, one regex, or 'all-linear')`,
  );
}

/**
 * PEFT's _prepare_adapter_config: fills an unset `targetModules` (and IA3's `feedforwardModules`)
 * from PEFT's tables for the model's type, and expands 'all-linear'. Methods without a table
 * (adaption prompts) choose their own target. Throws naming the model type when it has no default targets.
 */
export function resolveTargetModules(config: LayerConfig, model: Module): LayerConfig {
  const changes: Record<string, unknown> = {};
  const modelType = modelTypeOf(model);
  if (config.targetModules === 'all-linear') {
    changes.targetModules = allLinearTargets(model);
  } else if ((config.targetModules ?? null) === null && config.peftType in TARGET_MODULES) {
    const targets = defaultTargetModules(config.peftType, modelType);
    if (targets === null) throw noDefaultTargets(config, modelType);
    changes.targetModules = targets;
  }
  const ff = (config as { feedforwardModules?: unknown }).feedforwardModules;
  const feedforward = IA3_FEEDFORWARD_MODULES[modelType];
  // PEFT also throws for a model type without feed-forward defaults; peft.js keeps null there
  // (no module is feed-forward), as it did before these defaults
  if (config.peftType === 'IA3' && (ff ?? null) === null && feedforward) {
    // PEFT does not check the filled-in list against the targets; IA3Config does, so only the
    // targeted names are kept (the others would never be reached)
    const targets = changes.targetModules ?? config.targetModules;
    changes.feedforwardModules = Array.isArray(targets) ? feedforward.filter((m) => targets.includes(m)) : [...feedforward];
  }
  return Object.keys(changes).length === 0 ? config : config.with(changes);
}
