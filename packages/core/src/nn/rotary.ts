import { engine } from '../engine.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul } from '../ops/binary.js';
import { concat } from '../ops/join.js';
import { neg } from '../ops/unary.js';
import { slice } from '../ops/views.js';
import { ropeInverseFrequencies, type RopeScaling } from './rope-scaling.js';

export interface RotaryOptions {
  /** rope_theta, the base of the frequencies (default 10000). */
  theta?: number;
  /** Position of each of the T rows (default 0..T−1). */
  positions?: readonly number[];
}

/**
 * cos and sin tables [T, D] for rotary position embeddings in Llama's layout: frequency
 * i < D/2 is theta^(−2i/D), repeated for both halves (HF's cat(freqs, freqs)).
 */
export function rotaryTables(
  positions: readonly number[],
  dim: number,
  theta: number,
  like: Tensor,
  scaling: RopeScaling | null = null,
): { cos: Tensor; sin: Tensor } {
  if (!Number.isInteger(dim) || dim < 2 || dim % 2 !== 0)
    throw new RangeError(`rotaryEmbedding: head dim must be a positive even number, got ${dim}`);
  if (!(theta > 0)) throw new RangeError(`rotaryEmbedding: theta must be positive, got ${theta}`);
  const half = dim / 2;
  // HF computes the inverse frequencies in float32; they are rounded the same way
  const invFreqs = ropeInverseFrequencies(dim, theta, scaling);
  const Arr = like.dtype === 'float64' ? Float64Array : Float32Array;
  const cos = new Arr(positions.length * dim);
  const sin = new Arr(positions.length * dim);
  for (let i = 0; i < half; i++) {
    const invFreq = invFreqs[i];
    // ...and the tables too, even for a float64 model (its rotary embedding runs with autocast
    // off in float32 and casts the result), so float64 runs match HF's model.double()
    positions.forEach((p, t) => {
      const angle = Math.fround(p * invFreq);
      cos[t * dim + i] = cos[t * dim + i + half] = Math.fround(Math.cos(angle));
      sin[t * dim + i] = sin[t * dim + i + half] = Math.fround(Math.sin(angle));
    });
  }
  const e = engine();
  const backend = like.ref.backend;
  return {
    cos: e.makeTensor([positions.length, dim], like.dtype, backend, cos),
    sin: e.makeTensor([positions.length, dim], like.dtype, backend, sin),
  };
}

/** rotate_half: [x1, x2] → [−x2, x1] over the last axis. */
function rotateHalf(x: Tensor): Tensor {
  const half = x.shape[x.rank - 1] / 2;
  return concat([neg(slice(x, -1, half)), slice(x, -1, 0, half)], -1);
}

/** x · cos + rotate_half(x) · sin for x [..., T, D] and tables [T, D] (Llama's apply_rotary_pos_emb). */
export function applyRotaryEmbedding(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return engine().scoped(() => add(mul(x, cos), mul(rotateHalf(x), sin)));
}

/** Rotary position embedding of x [..., T, D] (D even), Llama's rotate_half convention. */
export function rotaryEmbedding(x: Tensor, options: RotaryOptions = {}): Tensor {
  if (x.rank < 2) throw new RangeError(`rotaryEmbedding: x must be [..., T, D], got ${formatShape(x.shape)}`);
  const t = x.shape[x.rank - 2];
  const positions = options.positions ?? Array.from({ length: t }, (_, i) => i);
  if (positions.length !== t)
    throw new RangeError(`rotaryEmbedding: ${positions.length} positions for ${t} rows of x ${formatShape(x.shape)}`);
  const { cos, sin } = rotaryTables(positions, x.shape[x.rank - 1], options.theta ?? 10000, x);
  try {
    return applyRotaryEmbedding(x, cos, sin);
  } finally {
    cos.dispose();
    sin.dispose();
  }
}
