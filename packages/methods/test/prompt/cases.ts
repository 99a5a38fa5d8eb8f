import { tidy, type Tensor } from '@peftjs/core';
import type { LlamaForCausalLM, ModelOutput } from '@peftjs/models';
import { PromptEmbedding } from '../../src/prompt-tuning/prompt-embedding.js';
import { PrefixEncoder } from '../../src/prefix-tuning/prefix-encoder.js';
import { PromptEncoder } from '../../src/p-tuning/prompt-encoder.js';
import { forwardWithPrefix, forwardWithPrompts } from '../../src/prompt-learning/causal-lm.js';
import { prefixPastKeyValues } from '../../src/prefix-tuning/past-key-values.js';
import { resolvePromptLearningSettings } from '../../src/prompt-learning/settings.js';
import { findWordEmbeddings } from '../../src/prompt-learning/word-embeddings.js';
import { virtualTokenIds } from '../../src/prompt-learning/virtual-tokens.js';
import { attachAdaptionPrompts, detachAdaptionPrompts, reattachAdaptionPrompts } from '../../src/adaption-prompt/attach.js';
import type { CaseSetup } from './run-case.js';

/** Golden names `prompt_encoder.default.<name>` → the encoder's own `<name>`. */
const encoderName = (k: string) =>
  k.startsWith('prompt_encoder.default.') ? k.slice('prompt_encoder.default.'.length) : `(not an encoder key) ${k}`;

type Inputs = { inputIds: Tensor; attentionMask: Tensor };

/** The golden cases' settings (meta.json config_kwargs), built from the modules alone. */
export const MODULE_CASES: Record<string, (base: LlamaForCausalLM) => CaseSetup> = {
  prompt_tuning: (base) => promptCase(base, 'PROMPT_TUNING'),
  p_tuning: (base) => promptCase(base, 'P_TUNING'),
  prefix_tuning: (base) => prefixCase(base, false),
  prefix_tuning_projection: (base) => prefixCase(base, true),
  adaption_prompt: adaptionCase,
};

function promptCase(base: LlamaForCausalLM, type: 'PROMPT_TUNING' | 'P_TUNING'): CaseSetup {
  const s = resolvePromptLearningSettings(type, { numVirtualTokens: 4 }, base.config.toJSON());
  const encoder = type === 'PROMPT_TUNING' ? new PromptEmbedding(s) : new PromptEncoder({ ...s, encoderHiddenSize: 16 });
  const words = findWordEmbeddings(base, base.config.vocabSize);
  const prompts = () => encoder.forward(virtualTokenIds(s.numVirtualTokens, encoder.embedding.weight));
  return {
    trainable: encoder,
    goldenName: encoderName,
    forward: (inputs: Inputs): ModelOutput => tidy(() => forwardWithPrompts(base, words, prompts(), inputs)),
    baseForward: (inputs: Inputs): ModelOutput => base.forward(inputs),
    dispose: () => encoder.dispose(),
  };
}

function prefixCase(base: LlamaForCausalLM, prefixProjection: boolean): CaseSetup {
  const s = resolvePromptLearningSettings('PREFIX_TUNING', { numVirtualTokens: 4 }, base.config.toJSON());
  const encoder = new PrefixEncoder({ ...s, prefixProjection, encoderHiddenSize: 16 });
  return {
    trainable: encoder,
    goldenName: encoderName,
    forward: (inputs: Inputs): ModelOutput =>
      tidy(() => {
        const encoded = encoder.forward(virtualTokenIds(s.numVirtualTokens, encoder.embedding.weight));
        return forwardWithPrefix(base, prefixPastKeyValues(encoded, inputs.inputIds.shape[0], s), inputs);
      }),
    baseForward: (inputs: Inputs): ModelOutput => base.forward(inputs),
    dispose: () => encoder.dispose(),
  };
}

function adaptionCase(base: LlamaForCausalLM): CaseSetup {
  const wrappers = attachAdaptionPrompts(base, { targetModules: 'self_attn', adapterLen: 3, adapterLayers: 1 });
  return {
    trainable: base,
    // the base is HF PEFT's base_model.model
    goldenName: (k) => (k.startsWith('base_model.model.') ? k.slice('base_model.model.'.length) : `(not a model key) ${k}`),
    forward: (inputs: Inputs): ModelOutput => base.forward(inputs),
    baseForward: (inputs: Inputs): ModelOutput => {
      detachAdaptionPrompts(base, wrappers);
      try {
        return base.forward(inputs);
      } finally {
        reattachAdaptionPrompts(base, wrappers);
      }
    },
    dispose: () => {},
  };
}
