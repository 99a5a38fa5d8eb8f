import type { Module, Tensor } from '@peftjs/core';
import type { PeftConfig } from './peft-config.js';
import type { MethodBase } from './peft-method.js';

/** What a prompt-learning method sees on each call. */
export interface PromptContext<C extends PeftConfig = PeftConfig, E extends Module = Module> {
  /** The user's model (the PEFT model's `base_model`). */
  readonly model: Module;
  /** The adapter's encoder (`prompt_encoder.<adapter>`). */
  readonly encoder: E;
  readonly config: C;
}

/**
 * Prompt tuning, prefix tuning, P-tuning: the PEFT model keeps one encoder per adapter in
 * `prompt_encoder` and lets the method run the base model with the learned prompt.
 */
export interface PromptMethod<C extends PeftConfig = PeftConfig, E extends Module = Module> extends MethodBase<C> {
  readonly kind: 'prompt';
  /** Fills the fields PEFT takes from the model (token_dim, num_layers, ...) and returns the config to keep. */
  prepareConfig?(config: C, model: Module): C;
  /** The trainable encoder of one adapter. */
  createEncoder(config: C, model: Module): E;
  /** The model's output with the prompt (the PEFT model's forward). */
  forward(context: PromptContext<C, E>, inputs: unknown[]): unknown;
  /** The tensors saved in adapter_model.safetensors (`prompt_embeddings`). */
  saveState(context: PromptContext<C, E>): Map<string, Tensor>;
  /** Loads saved tensors; checks everything before writing anything. */
  loadState(context: PromptContext<C, E>, state: ReadonlyMap<string, Tensor>): void;
}
