import '@peftjs/backend-cpu';
import { manualSeed, noGrad, randn, setBackend, tensor, tidy, type Module, type Tensor } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, type ModelOutput } from '@peftjs/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { PromptEmbedding } from '../../src/prompt-tuning/prompt-embedding.js';
import { PrefixEncoder } from '../../src/prefix-tuning/prefix-encoder.js';
import { PromptEncoder } from '../../src/p-tuning/prompt-encoder.js';
import { forwardWithPrefix, forwardWithPrompts } from '../../src/prompt-learning/causal-lm.js';
import { prefixPastKeyValues } from '../../src/prefix-tuning/past-key-values.js';
import { resolvePromptLearningSettings } from '../../src/prompt-learning/settings.js';
import { findWordEmbeddings } from '../../src/prompt-learning/word-embeddings.js';
import { virtualTokenIds } from '../../src/prompt-learning/virtual-tokens.js';
import { attachAdaptionPrompts } from '../../src/adaption-prompt/attach.js';

type CausalLM = LlamaForCausalLM | GPT2LMHeadModel;
type Inputs = { inputIds: Tensor; attentionMask: Tensor };

const llama = () =>
  new LlamaForCausalLM(
    new LlamaConfig({
      vocabSize: 20,
      hiddenSize: 16,
      intermediateSize: 24,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      maxPositionEmbeddings: 16,
    }),
  );
const gpt2 = () =>
  new GPT2LMHeadModel(
    new GPT2Config({ vocabSize: 20, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 4, embdPdrop: 0, residPdrop: 0, attnPdrop: 0 }),
  );

/** A method on a base: the trainable module and the model's forward with it. */
type Method = { trainable: Module; forward: (inputs: Inputs) => ModelOutput };

const METHODS: Record<string, (base: CausalLM) => Method> = {
  'prompt tuning': (base) => {
    const s = resolvePromptLearningSettings('PROMPT_TUNING', { numVirtualTokens: 3 }, base.config.toJSON());
    const enc = new PromptEmbedding(s);
    const words = findWordEmbeddings(base, base.config.vocabSize);
    return { trainable: enc, forward: (x) => forwardWithPrompts(base, words, enc.forward(virtualTokenIds(3, enc.embedding.weight)), x) };
  },
  'P-tuning (MLP)': (base) => {
    const s = resolvePromptLearningSettings('P_TUNING', { numVirtualTokens: 3 }, base.config.toJSON());
    const enc = new PromptEncoder({ ...s, encoderHiddenSize: 8 });
    const words = findWordEmbeddings(base, base.config.vocabSize);
    return { trainable: enc, forward: (x) => forwardWithPrompts(base, words, enc.forward(virtualTokenIds(3, enc.embedding.weight)), x) };
  },
  'P-tuning (LSTM, 2 layers)': (base) => {
    const s = resolvePromptLearningSettings('P_TUNING', { numVirtualTokens: 3 }, base.config.toJSON());
    const enc = new PromptEncoder({ ...s, encoderHiddenSize: 4, encoderReparameterizationType: 'LSTM' });
    const words = findWordEmbeddings(base, base.config.vocabSize);
    return { trainable: enc, forward: (x) => forwardWithPrompts(base, words, enc.forward(virtualTokenIds(3, enc.embedding.weight)), x) };
  },
  'prefix tuning with projection': (base) => {
    const s = resolvePromptLearningSettings('PREFIX_TUNING', { numVirtualTokens: 3 }, base.config.toJSON());
    const enc = new PrefixEncoder({ ...s, prefixProjection: true, encoderHiddenSize: 8 });
    return {
      trainable: enc,
      forward: (x) => forwardWithPrefix(base, prefixPastKeyValues(enc.forward(virtualTokenIds(3, enc.embedding.weight)), 2, s), x),
    };
  },
};

/** sum(logits²) for the method's model. */
function lossOf(method: Method, inputs: Inputs): Tensor {
  return tidy(() => method.forward(inputs).logits.square().sum());
}

/**
 * Central differences (step 1e-5, float64) on a few entries of every trainable parameter against
 * the backward pass; returns the worst error relative to the parameter's largest gradient.
 */
async function worstFiniteDifferenceError(method: Method, inputs: Inputs): Promise<number> {
  const params = [...method.trainable.namedParameters()].filter(([, p]) => p.requiresGrad);
  expect(params.length).toBeGreaterThan(0);
  const loss = lossOf(method, inputs);
  loss.backward();
  loss.dispose();
  let worst = 0;
  for (const [, p] of params) {
    const grad = Float64Array.from(await p.grad!.data());
    const scale = grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    expect(scale).toBeGreaterThan(0);
    const values = Float64Array.from(await p.data());
    for (const i of [0, Math.floor(values.length / 3), Math.floor((2 * values.length) / 3), values.length - 1]) {
      const at = async (v: number) => {
        const copy = Float64Array.from(values);
        copy[i] = v;
        noGrad(() => {
          const t = tensor(copy, { shape: p.shape, dtype: 'float64' });
          p.assign(t);
          t.dispose();
        });
        const l = noGrad(() => lossOf(method, inputs));
        const out = (await l.data())[0];
        l.dispose();
        return out;
      };
      const h = 1e-5;
      const numeric = ((await at(values[i] + h)) - (await at(values[i] - h))) / (2 * h);
      await at(values[i]);
      worst = Math.max(worst, Math.abs(numeric - grad[i]) / scale);
    }
  }
  return worst;
}

describe('prompt-learning gradients against finite differences (float64)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  const inputs = (): Inputs => ({
    inputIds: tensor(
      [
        [3, 7, 1, 12, 5],
        [4, 4, 11, 2, 19],
      ],
      { dtype: 'int32' },
    ),
    attentionMask: tensor(
      [
        [1, 1, 1, 1, 1],
        [0, 1, 1, 1, 1],
      ],
      { dtype: 'int32' },
    ),
  });

  for (const [baseName, makeBase] of [
    ['Llama', llama],
    ['GPT-2', gpt2],
  ] as const) {
    for (const [name, make] of Object.entries(METHODS)) {
      it(`${name} on ${baseName}`, async () => {
        manualSeed(11);
        const base = makeBase();
        for (const p of base.parameters()) p.requiresGrad = false;
        const method = make(base);
        base.to('float64');
        method.trainable.to('float64');
        const x = inputs();
        const err = await worstFiniteDifferenceError(method, x);
        expect(err).toBeLessThan(1e-7);
        base.dispose();
        method.trainable.dispose();
      });
    }
  }

  for (const [baseName, makeBase, target] of [
    ['Llama', llama, 'self_attn'],
    ['GPT-2', gpt2, 'attn'],
  ] as const) {
    it(`adaption prompt on ${baseName} (gate made non-zero so the prompt gets gradients)`, async () => {
      manualSeed(12);
      const base = makeBase();
      for (const p of base.parameters()) p.requiresGrad = false;
      const wrappers = attachAdaptionPrompts(base, { targetModules: target, adapterLen: 3, adapterLayers: 2 });
      for (const w of wrappers.values()) {
        noGrad(() => {
          const g = randn([1], { std: 0.5 });
          w.adaptionGate.assign(g);
          g.dispose();
        });
      }
      base.to('float64');
      const err = await worstFiniteDifferenceError({ trainable: base, forward: (x) => base.forward(x) }, inputs());
      expect(err).toBeLessThan(1e-7);
      base.dispose();
    });
  }
});
