import { type Module, type Tensor, tidy } from '@peftjs/core';
import type { ModelInputs, ModelOutput } from '@peftjs/models';
import type { PromptLearningConfigFields } from './config-fields.js';
import { forwardWithPrompts, type CausalLM } from './causal-lm.js';
import { encodeVirtualTokens, loadPromptEmbeddings, promptEmbeddingsToSave, type PromptLearningEncoder } from './encoder.js';
import { resolvePromptLearningSettings, type PromptLearningSettings, type PromptLearningType } from './settings.js';
import { findWordEmbeddings } from './word-embeddings.js';
import type { ConfigClassOf } from '../method/peft-method.js';
import type { PeftConfig } from '../method/peft-config.js';
import { registerPeftMethod } from '../method/registry.js';
import type { PromptContext, PromptMethod } from '../method/prompt-method.js';

export type PromptLearningConfig = PeftConfig & PromptLearningConfigFields & { encoderHiddenSize?: number | null };

/** The model's Hugging Face config as JSON (PreTrainedModel.config), or an error naming the method. */
export function modelConfigJSON(type: string, model: Module): Record<string, unknown> {
  const config = (model as { config?: { toJSON?: () => Record<string, unknown> } }).config;
  if (!config || typeof config.toJSON !== 'function') {
    throw new TypeError(
      `${type}: the base model has no Hugging Face config (a @peftjs/models model); set num_layers, token_dim and num_attention_heads in the config`,
    );
  }
  return config.toJSON();
}

/** The settings of a prepared config (every model-shaped field filled). */
export function settingsOf(type: PromptLearningType, c: PromptLearningConfig): PromptLearningSettings {
  return resolvePromptLearningSettings(type, c as PromptLearningConfigFields & { numVirtualTokens: number }, {});
}

function causalInputs(type: string, inputs: unknown[]): ModelInputs {
  const first = inputs[0];
  if (inputs.length !== 1 || typeof first !== 'object' || first === null)
    throw new TypeError(`${type}: forward takes one inputs object ({ inputIds, attentionMask, labels })`);
  return first as ModelInputs;
}

interface PromptLearningSpec<C extends PromptLearningConfig> {
  peftType: PromptLearningType;
  configClass: ConfigClassOf<C>;
  /** The encoder for a prepared config. */
  createEncoder(config: C, settings: PromptLearningSettings, model: Module): PromptLearningEncoder;
  /** Whether the encoder's table is its whole output (then saved prompts load into it). */
  outputIsTable(config: C): boolean;
  /** The model's output with the prompt; by default the virtual tokens go in front of the input's embeddings. */
  forward?(base: CausalLM & Module, encoder: PromptLearningEncoder, settings: PromptLearningSettings, inputs: ModelInputs): ModelOutput;
}

/**
 * A prompt-learning method on the PEFT model (PEFT's _setup_prompt_encoder, get_prompt and the
 * causal-LM forward): config fields from the model, the encoder, the forward with the prompt, and
 * `prompt_embeddings` in and out of adapter files.
 */
export function promptLearningMethod<C extends PromptLearningConfig>(spec: PromptLearningSpec<C>): PromptMethod<C, PromptLearningEncoder> {
  const type = spec.peftType;
  const method: PromptMethod<C, PromptLearningEncoder> = {
    peftType: type,
    kind: 'prompt',
    configClass: spec.configClass,
    prefix: 'prompt_encoder',
    prepareConfig(config, model) {
      const s = resolvePromptLearningSettings(type, config as C & { numVirtualTokens: number }, modelConfigJSON(type, model));
      const filled: Record<string, unknown> = { ...s };
      if ('encoderHiddenSize' in config && config.encoderHiddenSize === null) filled.encoderHiddenSize = s.tokenDim;
      return config.with(filled);
    },
    createEncoder(config, model) {
      return spec.createEncoder(config, settingsOf(type, config), model);
    },
    forward(context: PromptContext<C, PromptLearningEncoder>, inputs: unknown[]) {
      const x = causalInputs(type, inputs);
      const s = settingsOf(type, context.config);
      const base = context.model as CausalLM & Module;
      const { encoder } = context;
      return tidy((): ModelOutput => {
        if (spec.forward) return spec.forward(base, encoder, s, x);
        const words = findWordEmbeddings(base, wordCount(type, base));
        return forwardWithPrompts(base, words, encodeVirtualTokens(encoder, s.numVirtualTokens * s.numTransformerSubmodules), x);
      });
    },
    saveState(context) {
      const s = settingsOf(type, context.config);
      const count = type === 'PREFIX_TUNING' ? s.numVirtualTokens : s.numVirtualTokens * s.numTransformerSubmodules;
      return promptEmbeddingsToSave(context.encoder, count);
    },
    loadState(context, state: ReadonlyMap<string, Tensor>) {
      loadPromptEmbeddings(type, context.encoder, state, spec.outputIsTable(context.config));
    },
  };
  registerPeftMethod(method);
  return method;
}

/** The vocabulary size of the model's config (to find the word embeddings as PEFT does). */
function wordCount(type: string, model: Module): number {
  const json = modelConfigJSON(type, model);
  const text = (json.text_config && typeof json.text_config === 'object' ? json.text_config : json) as Record<string, unknown>;
  if (typeof text.vocab_size !== 'number') throw new TypeError(`${type}: the model's config has no vocab_size`);
  return text.vocab_size;
}
