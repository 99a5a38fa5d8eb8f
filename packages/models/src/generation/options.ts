import type { Generator } from '@peftjs/core';

/** What stop strings need of a tokenizer (any @peftjs/data tokenizer). */
export interface DecodingTokenizer {
  decode(ids: ArrayLike<number>): string;
}

/**
 * Receives tokens as they are made: `put` once a step with each row's new token (padding for rows
 * that finished), `end` after the last step (transformers' BaseStreamer, without the prompt).
 */
export interface GenerationStreamer {
  put(tokens: readonly number[]): void;
  end?(): void;
}

/** transformers' generation options in camelCase, with its defaults. */
export interface GenerationOptions {
  /** New tokens to make at most; wins over maxLength. */
  maxNewTokens?: number | null;
  /** Prompt plus new tokens at most, when maxNewTokens is not given (default 20, as transformers). */
  maxLength?: number;
  /** New tokens before EOS may be chosen (its logit is −∞ until then). */
  minNewTokens?: number;
  /** Sample from the distribution instead of taking the most likely token (default false). */
  doSample?: boolean;
  /** Logits divided by this before sampling (default 1). */
  temperature?: number;
  /** Sampling keeps the k most likely tokens (default 50; 0 keeps all). */
  topK?: number;
  /** Sampling keeps the smallest set of tokens whose probability reaches p (default 1). */
  topP?: number;
  /** > 1 discourages tokens already in the sequence (CTRL's penalty; default 1). */
  repetitionPenalty?: number;
  /** Beam search with this many beams (default 1: greedy or sampling). */
  numBeams?: number;
  /** Beam scores are divided by length ** lengthPenalty (default 1). */
  lengthPenalty?: number;
  /** Token id(s) that end a row (default the model config's eos_token_id). */
  eosTokenId?: number | readonly number[] | null;
  /** Token written after a row ended, and the padding of batched prompts (default the config's pad_token_id, else the first EOS). */
  padTokenId?: number | null;
  /** Rows also end when their text ends with one of these (needs `tokenizer`). */
  stopStrings?: readonly string[] | null;
  tokenizer?: DecodingTokenizer | null;
  /** The seeded Philox stream for sampling (default core's global generator, seeded by manualSeed). */
  generator?: Generator;
  /** Receives each step's tokens (batch of rows, numBeams 1 only). */
  streamer?: GenerationStreamer | ((tokens: readonly number[]) => void) | null;
  /** Reuse keys and values across steps (default true); false runs the whole sequence every step. */
  useCache?: boolean;
  /** Keep every step's raw next-token logits in the output (transformers' output_logits). */
  outputLogits?: boolean;
  /** PEFT's mixed-batch inference: the adapter of each prompt row ('__base__' for none). */
  adapterNames?: readonly string[] | null;
}

/** The options with every default filled and every value checked. */
export interface ResolvedGeneration {
  maxNewTokens: number;
  minNewTokens: number;
  doSample: boolean;
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
  numBeams: number;
  lengthPenalty: number;
  eosTokenIds: number[];
  padTokenId: number | null;
  stopStrings: string[];
  tokenizer: DecodingTokenizer | null;
  useCache: boolean;
  outputLogits: boolean;
}

/** Special token ids from a model's config (Hugging Face names). */
export interface GenerationDefaults {
  eosTokenId?: number | readonly number[] | null;
  padTokenId?: number | null;
  vocabSize?: number;
}

function integer(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new RangeError(`generate: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new RangeError(`generate: ${name} must be a positive number, got ${String(v)}`);
  return v;
}

const KNOWN = new Set([
  'maxNewTokens',
  'maxLength',
  'minNewTokens',
  'doSample',
  'temperature',
  'topK',
  'topP',
  'repetitionPenalty',
  'numBeams',
  'lengthPenalty',
  'eosTokenId',
  'padTokenId',
  'stopStrings',
  'tokenizer',
  'generator',
  'streamer',
  'useCache',
  'outputLogits',
  'adapterNames',
]);

/** Checks the options against transformers' rules and fills its defaults; `promptLength` sizes maxLength. */
export function resolveGeneration(options: GenerationOptions, defaults: GenerationDefaults, promptLength: number): ResolvedGeneration {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`generate: unknown option '${key}' (options: ${[...KNOWN].join(', ')})`);
  }
  let maxNewTokens: number;
  if (options.maxNewTokens !== undefined && options.maxNewTokens !== null) maxNewTokens = integer('maxNewTokens', options.maxNewTokens, 1);
  else {
    const maxLength = integer('maxLength', options.maxLength ?? 20, 1);
    if (maxLength <= promptLength)
      throw new RangeError(`generate: maxLength ${maxLength} leaves no room after the prompt of ${promptLength} tokens; set maxNewTokens`);
    maxNewTokens = maxLength - promptLength;
  }
  const minNewTokens = integer('minNewTokens', options.minNewTokens ?? 0, 0);
  const eosRaw = options.eosTokenId !== undefined ? options.eosTokenId : defaults.eosTokenId;
  const eosTokenIds =
    eosRaw === null || eosRaw === undefined
      ? []
      : (typeof eosRaw === 'number' ? [eosRaw] : [...eosRaw]).map((id, i) => integer(`eosTokenId[${i}]`, id, 0));
  const padRaw = options.padTokenId !== undefined ? options.padTokenId : (defaults.padTokenId ?? null);
  const padTokenId = padRaw === null ? (eosTokenIds[0] ?? null) : integer('padTokenId', padRaw, 0);
  const numBeams = integer('numBeams', options.numBeams ?? 1, 1);
  const doSample = options.doSample ?? false;
  if (typeof doSample !== 'boolean') throw new TypeError(`generate: doSample must be true or false, got ${String(doSample)}`);
  if (doSample && numBeams > 1)
    throw new RangeError(`generate: doSample with numBeams ${numBeams} (beam sampling) is not supported; use one of them`);
  const topP = positive('topP', options.topP ?? 1);
  if (topP > 1) throw new RangeError(`generate: topP must be in (0, 1], got ${topP}`);
  const stopStrings = [...(options.stopStrings ?? [])];
  stopStrings.forEach((s, i) => {
    if (typeof s !== 'string' || s.length === 0) throw new TypeError(`generate: stopStrings[${i}] must be a non-empty string`);
  });
  if (stopStrings.length > 0 && !options.tokenizer)
    throw new TypeError('generate: stopStrings need the tokenizer option (to decode the tokens)');
  if (options.streamer && numBeams > 1) throw new RangeError('generate: a streamer works with numBeams 1 only (as in transformers)');
  return {
    maxNewTokens,
    minNewTokens,
    doSample,
    temperature: positive('temperature', options.temperature ?? 1),
    topK: integer('topK', options.topK ?? 50, 0),
    topP,
    repetitionPenalty: positive('repetitionPenalty', options.repetitionPenalty ?? 1),
    numBeams,
    lengthPenalty:
      typeof options.lengthPenalty === 'number' && Number.isFinite(options.lengthPenalty)
        ? options.lengthPenalty
        : checkLengthPenalty(options.lengthPenalty),
    eosTokenIds,
    padTokenId,
    stopStrings,
    tokenizer: options.tokenizer ?? null,
    useCache: options.useCache ?? true,
    outputLogits: options.outputLogits ?? false,
  };
}

function checkLengthPenalty(v: unknown): number {
  if (v === undefined) return 1;
  throw new RangeError(`generate: lengthPenalty must be a finite number, got ${String(v)}`);
}
