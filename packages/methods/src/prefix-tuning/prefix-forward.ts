import type { Module } from '@peftjs/core';
import type { ModelInputs, ModelOutput } from '@peftjs/models';
import { forwardWithPrefix, type CausalLM } from '../prompt-learning/causal-lm.js';
import { encodeVirtualTokens, type PromptLearningEncoder } from '../prompt-learning/encoder.js';
import type { PromptLearningSettings } from '../prompt-learning/settings.js';
import { prefixPastKeyValues } from './past-key-values.js';

/** Prefix tuning's forward: the encoder's keys and values in front of every layer's attention (a KV cache). */
export function forwardWithPrefixTuning(
  base: CausalLM & Module,
  encoder: PromptLearningEncoder,
  s: PromptLearningSettings,
  x: ModelInputs,
): ModelOutput {
  const batch = (x.inputIds ?? x.inputsEmbeds)?.shape[0];
  if (batch === undefined) throw new TypeError('PREFIX_TUNING: forward needs inputIds or inputsEmbeds');
  const dtype = base.parameters()[0]?.dtype ?? 'float32';
  return forwardWithPrefix(base, prefixPastKeyValues(encodeVirtualTokens(encoder, s.numVirtualTokens), batch, s, dtype), x);
}
