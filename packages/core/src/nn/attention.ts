import { engine } from '../engine.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ne, where } from '../ops/binary.js';
import { concat } from '../ops/join.js';
import { scaledDotProductAttention } from '../ops/attention.js';
import { dropout } from '../ops/random.js';
import { expand, permute, reshape, unsqueeze } from '../ops/views.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { applyRotaryEmbedding, rotaryTables } from './rotary.js';
import { indexSelect } from '../ops/indexing.js';
import type { KeyValueCacheLayer } from './kv-cache.js';
import type { RopeScaling } from './rope-scaling.js';

/** float32's lowest value: HF's additive mask value, finite so a fully masked row gives no NaN. */
const MASKED = -3.4028234663852886e38;

/** [B, T, H·D] → [B, H, T, D]. */
export function splitHeads(x: Tensor, numHeads: number): Tensor {
  const [b, t, hd] = x.shape;
  if (x.rank !== 3 || hd % numHeads !== 0) throw new RangeError(`splitHeads: expected [B, T, ${numHeads}·D], got ${formatShape(x.shape)}`);
  return permute(reshape(x, [b, t, numHeads, hd / numHeads]), [0, 2, 1, 3]);
}

/** [B, H, T, D] → [B, T, H·D]. */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, t, d] = x.shape;
  return reshape(permute(x, [0, 2, 1, 3]), [b, t, h * d]);
}

/** [B, Hkv, T, D] → [B, Hkv·nRep, T, D], each key/value head repeated for its query group (HF's repeat_kv). */
export function repeatKeyValueHeads(x: Tensor, nRep: number): Tensor {
  if (nRep === 1) return x;
  const [b, h, t, d] = x.shape;
  return reshape(expand(unsqueeze(x, 2), [b, h, nRep, t, d]), [b, h * nRep, t, d]);
}

/**
 * The additive attention bias [B, 1, 1, Tk] for a padding mask [B, Tk] (1 = attend, 0 = padding):
 * 0 where attended, float32's lowest value where not (Hugging Face's convention).
 */
export function paddingMaskBias(attentionMask: Tensor, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  if (attentionMask.rank !== 2)
    throw new RangeError(`attention: attentionMask must be [batch, keys], got ${formatShape(attentionMask.shape)}`);
  const [b, tk] = attentionMask.shape;
  return engine().scoped(() => {
    const keep = attentionMask.dtype === 'bool' ? attentionMask : ne(attentionMask, 0);
    const bias = where(keep, 0, MASKED);
    return reshape(bias.cast(dtype), [b, 1, 1, tk]);
  });
}

export interface AttentionCoreOptions {
  causal?: boolean;
  /** Additive bias broadcast to [B, H, Tq, Tk] (see paddingMaskBias). */
  bias?: Tensor | null;
  scale?: number;
  /** Dropout on the attention output rows is not HF's; attention-probability dropout is applied when training. */
  dropout?: number;
  training?: boolean;
  /**
   * Keys and values [B, Hkv, P, D] that come before this call's (a cache or learned prefixes): they
   * are prepended after RoPE; the queries and new keys then sit at positions P.., the causal mask is
   * aligned to the end and `bias` covers all P + T keys.
   */
  pastKeyValue?: readonly [Tensor, Tensor] | null;
  /** Sliding-window attention (Mistral's sliding_window): a query sees only the last `slidingWindow` keys up to itself. */
  slidingWindow?: number | null;
  /**
   * A generation cache for this layer: the new keys and values (after RoPE) are appended to it and
   * attention runs over everything it holds, so a decoding step projects only its own positions.
   */
  cache?: KeyValueCacheLayer | null;
}

/** RoPE positions: one list for every row, or per-row position ids int32 [B, T] (left-padded batches). */
export interface RopePositions {
  theta: number;
  scaling?: RopeScaling | null;
  positions?: readonly number[];
  positionIds?: Tensor | null;
}

/**
 * cos and sin tables for queries at `past`..`past`+T−1 (or `positions`), [T, D]; with per-row
 * `positionIds` [B, T] they are gathered from the table of positions 0..past+T−1 into [B, 1, T, D]
 * (HF's position_ids from the attention mask never exceed that).
 */
export function ropeTables(rope: RopePositions, past: number, tq: number, headDim: number, like: Tensor): { cos: Tensor; sin: Tensor } {
  const ids = rope.positionIds;
  const scaling = rope.scaling ?? null;
  if (!ids) {
    const positions = rope.positions ?? Array.from({ length: tq }, (_, i) => past + i);
    return rotaryTables(positions, headDim, rope.theta, like, scaling);
  }
  if (ids.rank !== 2 || ids.shape[1] !== tq || ids.dtype !== 'int32') {
    throw new RangeError(`attention: positionIds must be int32 [batch, ${tq}], got ${ids.dtype} ${formatShape(ids.shape)}`);
  }
  return engine().scoped(() => {
    const table = rotaryTables(
      Array.from({ length: past + tq }, (_, i) => i),
      headDim,
      rope.theta,
      like,
      scaling,
    );
    const flat = reshape(ids, [ids.size]);
    const gather = (t: Tensor) => reshape(indexSelect(t, 0, flat), [ids.shape[0], 1, tq, headDim]);
    return { cos: gather(table.cos), sin: gather(table.sin) };
  });
}

/**
 * Multi-head attention on already-projected q [B, Tq, H·D], k and v [B, Tk, Hkv·D]: split into heads,
 * optional RoPE, grouped-query repetition, scaled dot-product attention, merge → [B, Tq, H·D].
 */
export function multiHeadAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  numHeads: number,
  numKeyValueHeads: number,
  options: AttentionCoreOptions & { rope?: RopePositions | null } = {},
): Tensor {
  if (numHeads % numKeyValueHeads !== 0)
    throw new RangeError(`attention: numHeads ${numHeads} must be a multiple of numKeyValueHeads ${numKeyValueHeads}`);
  const past = options.pastKeyValue ?? null;
  const cache = options.cache ?? null;
  if (past && cache) throw new TypeError('attention: pass either pastKeyValue or cache, not both');
  const pastLength = past ? checkPastKeyValue(past, q.shape[0], numKeyValueHeads, k.shape[2] / numKeyValueHeads) : (cache?.length ?? 0);
  return engine().scoped(() => {
    let qh = splitHeads(q, numHeads);
    let kh = splitHeads(k, numKeyValueHeads);
    let vh = splitHeads(v, numKeyValueHeads);
    if (options.rope) {
      const { cos, sin } = ropeTables(options.rope, pastLength, qh.shape[2], qh.shape[3], qh);
      qh = applyRotaryEmbedding(qh, cos, sin);
      kh = applyRotaryEmbedding(kh, cos, sin);
    }
    if (past) {
      kh = concat([past[0], kh], 2);
      vh = concat([past[1], vh], 2);
    } else if (cache) {
      [kh, vh] = cache.append(kh, vh);
    }
    kh = repeatKeyValueHeads(kh, numHeads / numKeyValueHeads);
    vh = repeatKeyValueHeads(vh, numHeads / numKeyValueHeads);
    const p = options.dropout ?? 0;
    const window = options.slidingWindow ?? null;
    let bias = options.bias ?? null;
    if (window !== null && kh.shape[2] > window) {
      const w = slidingWindowBias(qh.shape[2], kh.shape[2], window, qh);
      bias = bias ? bias.add(w) : w;
    }
    let out: Tensor;
    if (p > 0 && options.training) {
      // probabilities are needed explicitly for dropout on them
      const scale = options.scale ?? 1 / Math.sqrt(qh.shape[3]);
      let scores = qh.matmul(kh, { transposeB: true }).mul(scale);
      if (options.causal) scores = scores.add(causalBias(qh.shape[2], kh.shape[2], scores));
      if (bias) scores = scores.add(bias);
      out = dropout(scores.softmax(-1), p, true).matmul(vh);
    } else {
      out = scaledDotProductAttention(qh, kh, vh, { isCausal: options.causal, attnMask: bias ?? undefined, scale: options.scale });
    }
    return mergeHeads(out);
  });
}

/** The prefix length P of past keys and values, both [batch, Hkv, P, D]. */
function checkPastKeyValue(past: readonly [Tensor, Tensor], batch: number, heads: number, headDim: number): number {
  const [key, value] = past;
  const want = `[${batch}, ${heads}, P, ${headDim}]`;
  for (const [name, t] of [
    ['key', key],
    ['value', value],
  ] as const) {
    if (t.rank !== 4 || t.shape[0] !== batch || t.shape[1] !== heads || t.shape[3] !== headDim) {
      throw new RangeError(`attention: past ${name} must be ${want}, got ${formatShape(t.shape)}`);
    }
  }
  if (key.shape[2] !== value.shape[2])
    throw new RangeError(`attention: past key ${formatShape(key.shape)} and value ${formatShape(value.shape)} differ in length`);
  return key.shape[2];
}

/** Additive causal bias [Tq, Tk] on `like`'s backend (keys aligned to the end, as with a cache). */
export function causalBias(tq: number, tk: number, like: Tensor): Tensor {
  const values = new (like.dtype === 'float64' ? Float64Array : Float32Array)(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = i + tk - tq + 1; j < tk; j++) values[i * tk + j] = MASKED;
  return engine().makeTensor([tq, tk], like.dtype, like.ref.backend, values);
}

/**
 * Additive bias [Tq, Tk] hiding keys more than `window` − 1 positions before each query (queries
 * aligned to the end of the keys): query i at position i + Tk − Tq sees keys j > i + Tk − Tq − window.
 */
export function slidingWindowBias(tq: number, tk: number, window: number, like: Tensor): Tensor {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`attention: slidingWindow must be a positive integer, got ${window}`);
  const values = new (like.dtype === 'float64' ? Float64Array : Float32Array)(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j <= i + tk - tq - window && j < tk; j++) values[i * tk + j] = MASKED;
  return engine().makeTensor([tq, tk], like.dtype, like.ref.backend, values);
}

export interface MultiHeadAttentionOptions {
  /** Grouped-query attention: key/value heads (default numHeads). */
  numKeyValueHeads?: number;
  /** Per-head size (default hiddenSize / numHeads). */
  headDim?: number;
  /** Bias on the four projections (default false, Llama's). */
  bias?: boolean;
  /** Bias on o_proj alone (default `bias`; Qwen2 has biases on q, k and v but not o). */
  outputBias?: boolean;
  /** Sliding-window attention over the last `slidingWindow` keys (Mistral); null for full attention. */
  slidingWindow?: number | null;
  /** Each query attends only to itself and earlier positions. */
  causal?: boolean;
  /** Rotary position embeddings with this rope_theta and optional rope_scaling (null: none). */
  rope?: { theta: number; scaling?: RopeScaling | null } | null;
  /** Dropout on the attention probabilities while training. */
  dropout?: number;
}

export interface AttentionCallOptions {
  /** Padding mask [B, Tk], 1 = attend, 0 = padding (or a bool mask). */
  attentionMask?: Tensor | null;
  /** Positions for RoPE (default P..P+T−1, P the past length). */
  positions?: readonly number[];
  /** Per-row RoPE positions int32 [B, T] (Hugging Face's position_ids; wins over `positions`). */
  positionIds?: Tensor | null;
  /** Keys and values [B, Hkv, P, D] attended before this call's (see AttentionCoreOptions). */
  pastKeyValue?: readonly [Tensor, Tensor] | null;
  /** This layer's generation cache (see AttentionCoreOptions). */
  cache?: KeyValueCacheLayer | null;
}

/**
 * Multi-head self-attention with Llama's projection names (q_proj, k_proj, v_proj, o_proj), causal
 * or bidirectional, grouped-query heads and optional RoPE.
 */
export class MultiHeadAttention extends Module<[Tensor, AttentionCallOptions?], Tensor> {
  readonly numHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;

  constructor(
    readonly hiddenSize: number,
    numHeads: number,
    readonly options: MultiHeadAttentionOptions = {},
  ) {
    super();
    this.numHeads = numHeads;
    this.numKeyValueHeads = options.numKeyValueHeads ?? numHeads;
    this.headDim = options.headDim ?? hiddenSize / numHeads;
    if (!Number.isInteger(this.headDim) || this.headDim < 1) {
      throw new RangeError(`MultiHeadAttention: hiddenSize ${hiddenSize} is not divisible by numHeads ${numHeads}; pass headDim`);
    }
    if (!Number.isInteger(this.numKeyValueHeads) || numHeads % this.numKeyValueHeads !== 0) {
      throw new RangeError(`MultiHeadAttention: numHeads ${numHeads} must be a multiple of numKeyValueHeads ${this.numKeyValueHeads}`);
    }
    const bias = options.bias ?? false;
    this.registerModule('q_proj', new Linear(hiddenSize, numHeads * this.headDim, { bias }));
    this.registerModule('k_proj', new Linear(hiddenSize, this.numKeyValueHeads * this.headDim, { bias }));
    this.registerModule('v_proj', new Linear(hiddenSize, this.numKeyValueHeads * this.headDim, { bias }));
    this.registerModule('o_proj', new Linear(numHeads * this.headDim, hiddenSize, { bias: options.outputBias ?? bias }));
  }

  get qProj(): Linear {
    return this.child('q_proj');
  }
  get kProj(): Linear {
    return this.child('k_proj');
  }
  get vProj(): Linear {
    return this.child('v_proj');
  }
  get oProj(): Linear {
    return this.child('o_proj');
  }

  /** x [B, T, hiddenSize] → [B, T, hiddenSize]. */
  forward(x: Tensor, call: AttentionCallOptions = {}): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.hiddenSize) {
      throw new RangeError(`MultiHeadAttention: expected x [batch, seq, ${this.hiddenSize}], got ${formatShape(x.shape)}`);
    }
    return engine().scoped(() => {
      const bias = call.attentionMask ? paddingMaskBias(call.attentionMask, x.dtype === 'float64' ? 'float64' : 'float32') : null;
      const rope = this.options.rope
        ? { theta: this.options.rope.theta, scaling: this.options.rope.scaling, positions: call.positions, positionIds: call.positionIds }
        : null;
      const out = multiHeadAttention(
        this.qProj.forward(x),
        this.kProj.forward(x),
        this.vProj.forward(x),
        this.numHeads,
        this.numKeyValueHeads,
        {
          causal: this.options.causal,
          bias,
          rope,
          dropout: this.options.dropout,
          training: this.training,
          pastKeyValue: call.pastKeyValue,
          cache: call.cache,
          slidingWindow: this.options.slidingWindow,
        },
      );
      return this.oProj.forward(out);
    });
  }
}
