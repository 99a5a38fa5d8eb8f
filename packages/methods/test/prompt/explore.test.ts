import '@peftjs/backend-cpu';
import { setBackend } from '@peftjs/core';
import { beforeAll, describe, it } from 'vitest';
import { LlamaForCausalLM } from '@peftjs/models';
import { PromptEmbedding } from '../../src/prompt-tuning/prompt-embedding.js';
import { PrefixEncoder } from '../../src/prefix-tuning/prefix-encoder.js';
import { PromptEncoder } from '../../src/p-tuning/prompt-encoder.js';
import { forwardWithPrefix, forwardWithPrompts } from '../../src/prompt-learning/causal-lm.js';
import { prefixPastKeyValues } from '../../src/prefix-tuning/past-key-values.js';
import { resolvePromptLearningSettings } from '../../src/prompt-learning/settings.js';
import { findWordEmbeddings } from '../../src/prompt-learning/word-embeddings.js';
import { virtualTokenIds } from '../../src/prompt-learning/virtual-tokens.js';
import { attachAdaptionPrompts } from '../../src/adaption-prompt/attach.js';
import { GOLDEN } from './golden.js';
import { runGoldenCase, type CaseSetup } from './run-case.js';

const strip = (prefix: string) => (k: string) => k.startsWith(prefix) ? k.slice(prefix.length) : `?${k}`;

function promptCase(base: LlamaForCausalLM, kind: 'prompt' | 'p'): CaseSetup {
  const s = resolvePromptLearningSettings(kind === 'prompt' ? 'PROMPT_TUNING' : 'P_TUNING', { numVirtualTokens: 4 }, base.config.toJSON());
  const enc = kind === 'prompt' ? new PromptEmbedding(s) : new PromptEncoder({ ...s, encoderHiddenSize: 16 });
  const words = findWordEmbeddings(base, base.config.vocabSize);
  return {
    trainable: enc, goldenName: strip('prompt_encoder.default.'),
    forward: (inputs) => {
      const prompts = enc.forward(virtualTokenIds(4, enc.embedding.weight));
      return forwardWithPrompts(base, words, prompts, inputs);
    },
    dispose: () => enc.dispose(),
  };
}

function prefixCase(base: LlamaForCausalLM, projection: boolean): CaseSetup {
  const s = resolvePromptLearningSettings('PREFIX_TUNING', { numVirtualTokens: 4 }, base.config.toJSON());
  const enc = new PrefixEncoder({ ...s, prefixProjection: projection, encoderHiddenSize: 16 });
  return {
    trainable: enc, goldenName: strip('prompt_encoder.default.'),
    forward: (inputs) => {
      const past = prefixPastKeyValues(enc.forward(virtualTokenIds(4, enc.embedding.weight)), inputs.inputIds.shape[0], s);
      return forwardWithPrefix(base, past, inputs);
    },
    dispose: () => enc.dispose(),
  };
}

function adaptionCase(base: LlamaForCausalLM): CaseSetup {
  attachAdaptionPrompts(base, { targetModules: 'self_attn', adapterLen: 3, adapterLayers: 1 });
  return { trainable: base, goldenName: strip('base_model.model.'), forward: (inputs) => base.forward(inputs), dispose: () => {} };
}

describe.skipIf(!GOLDEN)('explore', () => {
  beforeAll(async () => { await setBackend('cpu'); });
  const cases: [string, (b: LlamaForCausalLM) => CaseSetup][] = [
    ['prompt_tuning', (b) => promptCase(b, 'prompt')],
    ['p_tuning', (b) => promptCase(b, 'p')],
    ['prefix_tuning', (b) => prefixCase(b, false)],
    ['prefix_tuning_projection', (b) => prefixCase(b, true)],
    ['adaption_prompt', adaptionCase],
  ];
  for (const [name, make] of cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name} ${dtype}`, async () => {
        const r = await runGoldenCase(name, dtype, make);
        console.log(name, dtype, r.out.toExponential(2), [...r.grads].map(([k, v]) => `${k.split('.').slice(-2).join('.')}=${v.toExponential(2)}`).join(' '));
      });
    }
  }
});
