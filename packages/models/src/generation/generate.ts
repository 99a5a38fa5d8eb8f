import { defaultGenerator, KeyValueCache, noGrad, scope, tensor, type Tensor, tidy } from '@peftjs/core';
import type { ModelInputs, ModelOutput } from '../modeling.js';
import { BeamHypotheses, beamStep } from './beam-search.js';
import { applyMinNewTokens, applyRepetitionPenalty, applyTemperature, applyTopK, applyTopP, argmax, logSoftmax } from './logits-process.js';
import { resolveGeneration, type GenerationDefaults, type GenerationOptions, type ResolvedGeneration } from './options.js';
import { sampleToken, uniforms } from './sampling.js';
import { hitsStopString } from './stopping.js';

/** The prompts: token ids int32 [batch, seq], left-padded when their lengths differ, with their mask. */
export interface GenerationInputs {
  inputIds: Tensor;
  /** 1 for prompt tokens, 0 for the left padding (default: ids equal to padTokenId are padding, as transformers infers). */
  attentionMask?: Tensor | null;
}

export interface GenerateOutput {
  /** Prompt plus new tokens int32 [batch, seq + new], rows that ended padded with padTokenId. */
  sequences: Tensor;
  /** The same ids as arrays. */
  sequenceIds: number[][];
  /** With outputLogits: each step's raw next-token logits, [batch·numBeams][vocab] as one flat array a step. */
  logits?: Float32Array[];
  /** Beam search: each returned sequence's score (sum of log-probabilities / length^lengthPenalty). */
  sequencesScores?: number[];
}

/** What generate needs of a model: a causal LM's forward (logits [batch, seq, vocab]); its `config` gives eos and pad ids. */
export interface GenerativeModel {
  forward(inputs: ModelInputs): unknown;
}

/** A causal LM's forward as generate calls it. */
type Forward = (inputs: ModelInputs & { adapterNames?: readonly string[] }) => ModelOutput;

/** eos/pad ids and the vocabulary size from the model's config (or a PEFT model's base model). */
function configDefaults(model: GenerativeModel): GenerationDefaults {
  const holder = model as { config?: unknown; baseModel?: { config?: unknown } };
  const c = (holder.config ?? holder.baseModel?.config ?? {}) as {
    eosTokenId?: number | number[] | null;
    padTokenId?: number | null;
    vocabSize?: number;
  };
  return { eosTokenId: c.eosTokenId ?? null, padTokenId: c.padTokenId ?? null, vocabSize: c.vocabSize };
}

/** HF's position_ids: the running count of attended tokens minus one, 1 on padding. */
function positionsFromMask(mask: readonly number[]): number[] {
  let count = 0;
  return mask.map((m) => {
    count += m;
    return m === 0 ? 1 : count - 1;
  });
}

function intTensor(rows: readonly (readonly number[])[], like: Tensor): Tensor {
  const width = rows[0]?.length ?? 0;
  const data = new Int32Array(rows.length * width);
  rows.forEach((r, i) => data.set(r, i * width));
  return tensor(data, { shape: [rows.length, width], dtype: 'int32', backend: like.backend });
}

async function readRows(t: Tensor, what: string): Promise<number[][]> {
  if (t.rank !== 2) throw new RangeError(`generate: ${what} must be [batch, seq], got [${t.shape.join(', ')}]`);
  const values = await t.data();
  const [b, s] = t.shape;
  return Array.from({ length: b }, (_, i) => Array.from(values.subarray(i * s, (i + 1) * s), Number));
}

/**
 * transformers' `generate` for causal LMs: greedy decoding, sampling (temperature, top-k, top-p,
 * with a seeded Philox stream) or beam search, with a KV cache so each step after the prompt runs
 * over one new position. Left-padded prompts get Hugging Face's position ids (counting from each
 * row's first token), so each row gives the tokens of its prompt alone. Works with any model whose
 * forward takes ModelInputs (GPT-2, Llama, a PeftModel, a merged model).
 */
export async function generate(model: GenerativeModel, inputs: GenerationInputs, options: GenerationOptions = {}): Promise<GenerateOutput> {
  const { inputIds } = inputs;
  if (!inputIds || inputIds.dtype !== 'int32' || inputIds.rank !== 2) {
    throw new TypeError(
      `generate: inputIds must be int32 token ids [batch, seq], got ${inputIds ? `${inputIds.dtype} [${inputIds.shape.join(', ')}]` : 'nothing'}`,
    );
  }
  const [batch, promptLength] = inputIds.shape;
  if (promptLength === 0) throw new RangeError('generate: the prompt is empty (inputIds [batch, 0]); give at least one token');
  const defaults = configDefaults(model);
  const g = resolveGeneration(options, defaults, promptLength);
  const adapterNames = options.adapterNames ?? null;
  if (adapterNames && adapterNames.length !== batch)
    throw new RangeError(`generate: adapterNames has ${adapterNames.length} names for ${batch} prompts`);
  const ids = await readRows(inputIds, 'inputIds');
  const vocab = defaults.vocabSize;
  ids.forEach((row, i) =>
    row.forEach((id, j) => {
      if (vocab !== undefined && (id < 0 || id >= vocab))
        throw new RangeError(`generate: inputIds[${i}][${j}] = ${id} is outside the vocabulary (0..${vocab - 1})`);
    }),
  );
  let mask: number[][];
  if (inputs.attentionMask) {
    const m = inputs.attentionMask;
    if (m.rank !== 2 || m.shape[0] !== batch || m.shape[1] !== promptLength) {
      throw new RangeError(`generate: attentionMask must be [${batch}, ${promptLength}] like inputIds, got [${m.shape.join(', ')}]`);
    }
    mask = (await readRows(m, 'attentionMask')).map((r) => r.map((v) => (v !== 0 ? 1 : 0)));
  } else {
    const pad = g.padTokenId;
    const infer = pad !== null && !g.eosTokenIds.includes(pad) && ids.some((r) => r.includes(pad));
    mask = ids.map((r) => r.map((id) => (infer && id === pad ? 0 : 1)));
  }
  mask.forEach((r, i) => {
    if (!r.includes(1)) throw new RangeError(`generate: prompt row ${i} is all padding (its attentionMask is all 0)`);
  });
  const forward: Forward = (x) => model.forward(x) as ModelOutput;
  const run = () =>
    g.numBeams > 1
      ? beamSearch(forward, inputIds, ids, mask, g, adapterNames)
      : decode(forward, inputIds, ids, mask, g, adapterNames, options);
  return noGrad(run);
}

/** The last position's logits of each row as host arrays. */
async function lastLogits(out: ModelOutput): Promise<Float32Array[]> {
  const [b, t, v] = out.logits.shape;
  const last = tidy(() =>
    out.logits
      .slice(1, t - 1, t)
      .reshape([b, v])
      .cast('float32'),
  );
  const values = await last.data();
  last.dispose();
  const flat = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  return Array.from({ length: b }, (_, i) => flat.slice(i * v, (i + 1) * v));
}

/**
 * Runs one forward: with the cache, the new tokens only (the whole prompt at step 0); without it,
 * the whole sequence. Returns each row's next-token logits.
 */
async function step(
  forward: Forward,
  like: Tensor,
  rows: number[][],
  mask: number[][],
  cache: KeyValueCache | null,
  adapterNames: readonly string[] | null,
): Promise<Float32Array[]> {
  const s = scope();
  try {
    const fresh = cache ? rows[0].length - cache.length : rows[0].length;
    const newIds = rows.map((r) => r.slice(r.length - (cache && cache.length > 0 ? 1 : fresh)));
    const width = newIds[0].length;
    const positions = mask.map((m) => positionsFromMask(m).slice(m.length - width));
    const out = forward({
      inputIds: intTensor(newIds, like),
      attentionMask: intTensor(mask, like),
      positionIds: intTensor(positions, like),
      pastKeyValues: cache,
      ...(adapterNames ? { adapterNames } : {}),
    });
    return await lastLogits(out);
  } finally {
    s.dispose();
  }
}

function emit(streamer: GenerationOptions['streamer'], tokens: readonly number[]): void {
  if (!streamer) return;
  if (typeof streamer === 'function') streamer(tokens);
  else streamer.put(tokens);
}

/** Greedy decoding or sampling, rows ending at EOS or a stop string. */
async function decode(
  forward: Forward,
  like: Tensor,
  prompt: number[][],
  promptMask: number[][],
  g: ResolvedGeneration,
  adapterNames: readonly string[] | null,
  options: GenerationOptions,
): Promise<GenerateOutput> {
  const rows = prompt.map((r) => [...r]);
  const mask = promptMask.map((r) => [...r]);
  const batch = rows.length;
  const unfinished = new Array<boolean>(batch).fill(true);
  const cache = g.useCache ? new KeyValueCache({ capacity: rows[0].length + g.maxNewTokens }) : null;
  const logits: Float32Array[] = [];
  const generator = options.generator ?? defaultGenerator();
  try {
    for (let t = 0; t < g.maxNewTokens; t++) {
      const next = await step(forward, like, rows, mask, cache, adapterNames);
      if (g.outputLogits) logits.push(concatRows(next));
      const u = g.doSample ? uniforms(generator, batch) : null;
      const tokens = next
        .map((scores, i) => {
          applyRepetitionPenalty(scores, rows[i], g.repetitionPenalty);
          applyMinNewTokens(scores, t, g.minNewTokens, g.eosTokenIds);
          if (!g.doSample) return argmax(scores);
          applyTemperature(scores, g.temperature);
          applyTopK(scores, g.topK);
          applyTopP(scores, g.topP);
          return sampleToken(scores, u![i]);
        })
        .map((token, i) => (unfinished[i] ? token : (g.padTokenId ?? token)));
      tokens.forEach((token, i) => {
        rows[i].push(token);
        mask[i].push(1);
      });
      emit(options.streamer, tokens);
      tokens.forEach((token, i) => {
        if (!unfinished[i]) return;
        if (g.eosTokenIds.includes(token) || (g.tokenizer && hitsStopString(g.tokenizer, rows[i], g.stopStrings))) unfinished[i] = false;
      });
      if (!unfinished.includes(true)) break;
    }
  } finally {
    cache?.dispose();
    if (options.streamer && typeof options.streamer !== 'function') options.streamer.end?.();
  }
  return { sequences: intTensor(rows, like), sequenceIds: rows, ...(g.outputLogits ? { logits } : {}) };
}

function concatRows(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

/** Beam search (transformers' BeamSearchScorer, early_stopping false), one best sequence a prompt. */
async function beamSearch(
  forward: Forward,
  like: Tensor,
  prompt: number[][],
  promptMask: number[][],
  g: ResolvedGeneration,
  adapterNames: readonly string[] | null,
): Promise<GenerateOutput> {
  const k = g.numBeams;
  const batch = prompt.length;
  const promptLength = prompt[0].length;
  let rows = prompt.flatMap((r) => Array.from({ length: k }, () => [...r]));
  let mask = promptMask.flatMap((r) => Array.from({ length: k }, () => [...r]));
  const names = adapterNames ? adapterNames.flatMap((n) => Array<string>(k).fill(n)) : null;
  let beamScores: Float64Array = Float64Array.from({ length: batch * k }, (_, i) => (i % k === 0 ? 0 : -1e9));
  const hyps = Array.from({ length: batch }, () => new BeamHypotheses(k, g.lengthPenalty));
  const done = new Array<boolean>(batch).fill(false);
  const cache = g.useCache ? new KeyValueCache({ capacity: promptLength + g.maxNewTokens }) : null;
  const logits: Float32Array[] = [];
  const pad = g.padTokenId ?? 0;
  try {
    for (let t = 0; t < g.maxNewTokens; t++) {
      const next = await step(forward, like, rows, mask, cache, names);
      if (g.outputLogits) logits.push(concatRows(next));
      const logprobs = next.map((scores, i) => {
        const lp = logSoftmax(scores);
        applyRepetitionPenalty(lp, rows[i], g.repetitionPenalty);
        applyMinNewTokens(lp, t, g.minNewTokens, g.eosTokenIds);
        return lp;
      });
      const chosen = beamStep(logprobs, beamScores, rows, hyps, done, { numBeams: k, eos: g.eosTokenIds, pad, promptLength });
      rows = chosen.sources.map((src, i) => [...rows[src], chosen.tokens[i]]);
      mask = chosen.sources.map((src) => [...mask[src], 1]);
      beamScores = chosen.scores;
      if (cache) {
        const index = tensor(Int32Array.from(chosen.sources), { backend: like.backend });
        cache.reorder(index);
        index.dispose();
      }
      if (!done.includes(false)) break;
    }
  } finally {
    cache?.dispose();
  }
  const best = hyps.map((h, b) => {
    if (!done[b]) for (let j = 0; j < k; j++) h.add([...rows[b * k + j]], beamScores[b * k + j], rows[b * k + j].length - promptLength);
    return h.best();
  });
  const longest = Math.max(...best.map((h) => h.tokens.length));
  const sequences = best.map((h) => {
    const out = [...h.tokens];
    if (out.length < longest && g.eosTokenIds.length > 0) out.push(g.eosTokenIds[0]);
    while (out.length < longest) out.push(pad);
    return out;
  });
  return {
    sequences: intTensor(sequences, like),
    sequenceIds: sequences,
    sequencesScores: best.map((h) => h.score),
    ...(g.outputLogits ? { logits } : {}),
  };
}
