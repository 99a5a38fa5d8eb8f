import '@peftjs/backend-cpu';
import {
  Conv1D,
  Embedding,
  Linear,
  LayerNorm,
  RMSNorm,
  applyRotaryEmbedding,
  manualSeed,
  memory,
  noGrad,
  rotaryTables,
  setBackend,
  slice,
  splitHeads,
  split,
  tensor,
  tidy,
  type Tensor,
} from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, type PastKeyValues } from '../src/index.js';

const ids = () =>
  tensor(
    [
      [3, 7, 1, 12, 5, 9],
      [4, 4, 11, 2, 0, 6],
    ],
    { dtype: 'int32' },
  );

async function maxDiff(a: Tensor, b: Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [await a.data(), await b.data()];
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
}

/** One-layer models: the keys and values of the first P tokens, as a cache would hold them (after RoPE). */
function gpt2Past(model: GPT2LMHeadModel, first: Tensor): PastKeyValues {
  return noGrad(() =>
    tidy(() => {
      const p = first.shape[1];
      const positions = tensor(
        Array.from({ length: p }, (_, i) => i),
        { dtype: 'int32' },
      );
      const h = (model.getSubmodule('transformer.wte') as Embedding)
        .forward(first)
        .add((model.getSubmodule('transformer.wpe') as Embedding).forward(positions));
      const ln = (model.getSubmodule('transformer.h.0.ln_1') as LayerNorm).forward(h);
      const [, k, v] = split((model.getSubmodule('transformer.h.0.attn.c_attn') as Conv1D).forward(ln), model.config.nEmbd, -1);
      return [[splitHeads(k, model.config.nHead), splitHeads(v, model.config.nHead)] as const];
    }),
  );
}

function llamaPast(model: LlamaForCausalLM, first: Tensor): PastKeyValues {
  return noGrad(() =>
    tidy(() => {
      const { kvHeads, attentionHeadDim, ropeTheta } = model.config;
      const h = (model.getSubmodule('model.embed_tokens') as Embedding).forward(first);
      const n = (model.getSubmodule('model.layers.0.input_layernorm') as RMSNorm).forward(h);
      const k = splitHeads((model.getSubmodule('model.layers.0.self_attn.k_proj') as Linear).forward(n), kvHeads);
      const v = splitHeads((model.getSubmodule('model.layers.0.self_attn.v_proj') as Linear).forward(n), kvHeads);
      const { cos, sin } = rotaryTables(
        Array.from({ length: first.shape[1] }, (_, i) => i),
        attentionHeadDim,
        ropeTheta,
        k,
      );
      return [[applyRotaryEmbedding(k, cos, sin), v] as const];
    }),
  );
}

describe('causal LMs with inputsEmbeds and past keys and values', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  const makeGPT2 = () =>
    new GPT2LMHeadModel(
      new GPT2Config({ vocabSize: 16, nPositions: 16, nEmbd: 8, nLayer: 1, nHead: 2, embdPdrop: 0, residPdrop: 0, attnPdrop: 0 }),
    );
  const makeLlama = () =>
    new LlamaForCausalLM(
      new LlamaConfig({
        vocabSize: 16,
        hiddenSize: 8,
        intermediateSize: 16,
        numHiddenLayers: 1,
        numAttentionHeads: 2,
        numKeyValueHeads: 1,
        maxPositionEmbeddings: 8,
      }),
    );

  for (const [name, make, past, embed] of [
    ['GPT2LMHeadModel', makeGPT2, gpt2Past, 'transformer.wte'],
    ['LlamaForCausalLM', makeLlama, llamaPast, 'model.embed_tokens'],
  ] as const) {
    it(`${name}: the last tokens with the first ones as past keys and values give the same logits as the whole sequence (with padding)`, async () => {
      manualSeed(3);
      const model = make() as GPT2LMHeadModel & LlamaForCausalLM;
      const x = ids();
      const mask = tensor(
        [
          [1, 1, 1, 1, 1, 1],
          [0, 1, 1, 1, 0, 1],
        ],
        { dtype: 'int32' },
      );
      const before = memory().numTensors;
      const full = model.forward({ inputIds: x, attentionMask: mask }).logits;
      const first = slice(x, 1, 0, 2);
      const pkv = past(model, first);
      const rest = slice(x, 1, 2);
      const cached = model.forward({ inputIds: rest, pastKeyValues: pkv, attentionMask: mask }).logits;
      expect(cached.shape).toEqual([2, 4, 16]);
      const tail = slice(full, 1, 2);
      expect(await maxDiff(cached, tail)).toBeLessThan(1e-5);
      // the embeddings themselves give the same as the ids
      const embeds = (model.getSubmodule(embed) as Embedding).forward(rest);
      const viaEmbeds = model.forward({ inputsEmbeds: embeds, pastKeyValues: pkv, attentionMask: mask }).logits;
      expect(await maxDiff(viaEmbeds, cached)).toBe(0);
      for (const t of [full, first, rest, tail, cached, embeds, viaEmbeds, ...pkv.flat()]) t.dispose();
      expect(memory().numTensors).toBe(before);
      for (const t of [x, mask]) t.dispose();
      model.dispose();
    });

    it(`${name}: inputsEmbeds train the embeddings given, and bad inputs name the argument and shapes`, async () => {
      manualSeed(4);
      const model = make() as GPT2LMHeadModel & LlamaForCausalLM;
      const x = ids();
      const embeds = (model.getSubmodule(embed) as Embedding).forward(x).detach();
      embeds.requiresGrad = true;
      const { loss } = model.forward({ inputsEmbeds: embeds, labels: x });
      loss!.backward();
      expect(embeds.grad?.shape).toEqual([2, 6, 8]);
      const base = name === 'GPT2LMHeadModel' ? 'GPT2Model' : 'LlamaModel';
      expect(() => model.forward({ inputIds: x, inputsEmbeds: embeds })).toThrow(
        `${name}.forward: pass either inputIds or inputsEmbeds, not both`,
      );
      expect(() => model.forward({})).toThrow(`${name}.forward: inputIds or inputsEmbeds is required`);
      expect(() => model.forward({ inputsEmbeds: slice(embeds, 2, 0, 4) })).toThrow(
        `${base}.forward: inputsEmbeds must be [batch, seq, 8], got [2,6,4]`,
      );
      const heads = name === 'GPT2LMHeadModel' ? 2 : 1;
      const k = tensor(new Float32Array(2 * heads * 3 * 4), { shape: [2, heads, 3, 4] });
      expect(() => model.forward({ inputIds: x, pastKeyValues: [] })).toThrow(
        `${base}.forward: pastKeyValues must have one [key, value] pair for each of the 1 layers, got 0`,
      );
      expect(() => model.forward({ inputIds: x, pastKeyValues: [[k, slice(k, 3, 0, 2)]] })).toThrow(
        `${base}.forward: pastKeyValues[0][1] must be [2, ${heads}, 3, 4] (batch, heads, past length, head dim), got [2,${heads},3,2]`,
      );
      expect(() =>
        model.forward({
          inputIds: x,
          pastKeyValues: [[k, k]],
          attentionMask: tensor(
            [
              [1, 1, 1, 1, 1, 1],
              [1, 1, 1, 1, 1, 1],
            ],
            { dtype: 'int32' },
          ),
        }),
      ).toThrow(`${base}.forward: attentionMask must be [2, 9] (past length 3 + sequence length 6), got [2,6]`);
      model.dispose();
    });
  }
});
