import '@peftjs/backend-cpu';
import { Generator, manualSeed, setBackend, tensor, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GPT2Config,
  GPT2LMHeadModel,
  GemmaConfig,
  GemmaForCausalLM,
  MistralConfig,
  MistralForCausalLM,
  Phi3Config,
  Phi3ForCausalLM,
  Qwen2Config,
  Qwen2ForCausalLM,
  TextStreamer,
  generate,
  type GenerationOptions,
  type GenerativeModel,
} from '../src/index.js';
import { applyRepetitionPenalty, applyTopK, applyTopP } from '../src/generation/logits-process.js';

const model = () =>
  new GPT2LMHeadModel(
    new GPT2Config({
      vocabSize: 32,
      nPositions: 64,
      nEmbd: 16,
      nLayer: 2,
      nHead: 4,
      embdPdrop: 0,
      residPdrop: 0,
      attnPdrop: 0,
      eosTokenId: 2,
    }),
  );
const ids = (rows: number[][]): Tensor => tensor(rows, { dtype: 'int32' });

async function run(m: GPT2LMHeadModel, options: GenerationOptions, prompt = [[5, 9, 3, 11]]): Promise<number[][]> {
  const inputIds = ids(prompt);
  const out = await generate(m, { inputIds }, { eosTokenId: null, padTokenId: 0, ...options });
  out.sequences.dispose();
  inputIds.dispose();
  return out.sequenceIds.map((r) => r.slice(prompt[0].length));
}

/** Bytes as characters, for stop strings. */
const letters = { decode: (t: ArrayLike<number>) => Array.from(t, (i) => String.fromCharCode(97 + (i % 26))).join('') };

describe('generate options', () => {
  let m: GPT2LMHeadModel;
  beforeAll(async () => {
    await setBackend('cpu');
    manualSeed(11);
    m = model().eval();
  });

  it('maxLength 20 by default (transformers), maxNewTokens wins', async () => {
    expect((await run(m, {}))[0]).toHaveLength(16);
    expect((await run(m, { maxNewTokens: 3 }))[0]).toHaveLength(3);
  });

  it('sampling with a seeded Philox generator repeats; another seed differs; topK 1 is greedy', async () => {
    const a = await run(m, { doSample: true, maxNewTokens: 12, generator: new Generator(1) });
    const b = await run(m, { doSample: true, maxNewTokens: 12, generator: new Generator(1) });
    const c = await run(m, { doSample: true, maxNewTokens: 12, generator: new Generator(2), temperature: 3 });
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(await run(m, { doSample: true, topK: 1, maxNewTokens: 12, generator: new Generator(3) })).toEqual(
      await run(m, { maxNewTokens: 12 }),
    );
  });

  it('rows stop at any of several EOS ids, then hold padTokenId; minNewTokens holds EOS back', async () => {
    const greedy = (await run(m, { maxNewTokens: 10 }))[0];
    const eos = [greedy[3], greedy[5]];
    const first = greedy.findIndex((t) => eos.includes(t));
    const stopped = (await run(m, { maxNewTokens: 10, eosTokenId: eos }))[0];
    expect(stopped).toEqual(greedy.slice(0, first + 1));
    const batch = await run(m, { maxNewTokens: 10, eosTokenId: eos }, [
      [5, 9, 3, 11],
      [7, 7, 1, 4],
    ]);
    expect(batch[0].slice(0, first + 1)).toEqual(greedy.slice(0, first + 1));
    if (batch[0].length > first + 1) expect(batch[0].slice(first + 1).every((t) => t === 0)).toBe(true);
    const held = (await run(m, { maxNewTokens: 10, eosTokenId: eos, minNewTokens: 8 }))[0];
    expect(held.slice(0, 8).some((t) => eos.includes(t))).toBe(false);
  });

  it('stop strings end a row through the tokenizer; the streamer sees every token', async () => {
    const greedy = (await run(m, { maxNewTokens: 10 }))[0];
    const stop = letters.decode(greedy.slice(2, 4));
    const seen: number[] = [];
    const out = (await run(m, { maxNewTokens: 10, stopStrings: [stop], tokenizer: letters, streamer: (t) => seen.push(...t) }))[0];
    const text = letters.decode(greedy);
    expect(letters.decode(out).endsWith(stop)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(text.indexOf(stop) + stop.length);
    expect(seen).toEqual(out);
    let streamed = '';
    const streamer = new TextStreamer(letters, (s) => (streamed += s));
    const again = (await run(m, { maxNewTokens: 6, streamer }))[0];
    expect(streamed).toBe(letters.decode(again));
  });

  it('repetition penalty, top-k and top-p follow transformers', () => {
    const s = Float32Array.from([2, -2, 1, 0.5]);
    applyRepetitionPenalty(s, [0, 1, 1], 2);
    expect([...s]).toEqual([1, -4, 1, 0.5]);
    const k = Float32Array.from([3, 1, 2, 0]);
    applyTopK(k, 2);
    expect([...k]).toEqual([3, -Infinity, 2, -Infinity]);
    // probabilities about 0.64, 0.24, 0.09, 0.03: top-p 0.8 keeps the first two
    const p = Float32Array.from([3, 2, 1, 0]);
    applyTopP(p, 0.8);
    expect([...p]).toEqual([3, 2, -Infinity, -Infinity]);
  });

  it('beam search with one beam is greedy; bad options are named', async () => {
    expect(await run(m, { maxNewTokens: 5, numBeams: 1 })).toEqual(await run(m, { maxNewTokens: 5 }));
    expect((await run(m, { maxNewTokens: 5, numBeams: 3 }))[0]).toHaveLength(5);
    await expect(run(m, { maxNewTokens: 0 })).rejects.toThrow(/maxNewTokens must be an integer >= 1, got 0/);
    await expect(run(m, { topP: 1.5 })).rejects.toThrow(/topP must be in \(0, 1\], got 1.5/);
    await expect(run(m, { doSample: true, numBeams: 2 })).rejects.toThrow(/beam sampling/);
    await expect(run(m, { stopStrings: ['x'] })).rejects.toThrow(/stopStrings need the tokenizer/);
    await expect(run(m, { maxNewTokens: 2, topk: 3 } as GenerationOptions)).rejects.toThrow(/unknown option 'topk'/);
    await expect(run(m, {}, [[5, 99]])).rejects.toThrow(/inputIds\[0\]\[1\] = 99 is outside the vocabulary/);
    const fp = tensor([[1, 2]]);
    await expect(generate(m, { inputIds: fp })).rejects.toThrow(/inputIds must be int32/);
    fp.dispose();
  });
});

describe('generate on the other decoder families', () => {
  const tiny = {
    vocabSize: 24,
    hiddenSize: 16,
    intermediateSize: 24,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    maxPositionEmbeddings: 64,
  };
  const families: [string, () => GenerativeModel & { eval(): unknown }][] = [
    ['Qwen2', () => new Qwen2ForCausalLM(new Qwen2Config(tiny))],
    ['Mistral (sliding window 4)', () => new MistralForCausalLM(new MistralConfig({ ...tiny, slidingWindow: 4 }))],
    ['Gemma', () => new GemmaForCausalLM(new GemmaConfig({ ...tiny, headDim: 4 }))],
    ['Phi-3', () => new Phi3ForCausalLM(new Phi3Config(tiny))],
  ];
  for (const [name, make] of families) {
    it(`${name}: cached greedy equals uncached, left-padded rows equal their prompts alone`, async () => {
      await setBackend('cpu');
      manualSeed(1);
      const m = make();
      m.eval();
      const rows = async (prompt: number[][], mask: number[][], useCache: boolean) => {
        const inputIds = ids(prompt);
        const attentionMask = ids(mask);
        const out = await generate(m, { inputIds, attentionMask }, { maxNewTokens: 8, eosTokenId: null, padTokenId: 0, useCache });
        [inputIds, attentionMask, out.sequences].forEach((t) => t.dispose());
        return out.sequenceIds.map((r) => r.slice(prompt[0].length));
      };
      const padded = [
        [0, 0, 0, 5, 9, 3],
        [7, 2, 8, 4, 1, 6],
      ];
      const mask = [
        [0, 0, 0, 1, 1, 1],
        [1, 1, 1, 1, 1, 1],
      ];
      const cached = await rows(padded, mask, true);
      expect(await rows(padded, mask, false)).toEqual(cached);
      expect(await rows([[5, 9, 3]], [[1, 1, 1]], true)).toEqual([cached[0]]);
      expect(await rows([padded[1]], [mask[1]], true)).toEqual([cached[1]]);
    });
  }
});
