import { alongAxis, build, map, matmul, nd, numel, reduce, total, transpose, zip, type Nd } from './nd.js';

/** max-subtracted softmax of each line along `dim`. */
export const softmax = (x: Nd, dim: number): Nd =>
  alongAxis(x, dim, (line) => {
    const m = Math.max(...line);
    const e = line.map((v) => Math.exp(v - m));
    const s = total(e);
    return e.map((v) => v / s);
  });

export const logSoftmax = (x: Nd, dim: number): Nd =>
  alongAxis(x, dim, (line) => {
    const m = Math.max(...line);
    const lse = m + Math.log(total(line.map((v) => Math.exp(v - m))));
    return line.map((v) => v - lse);
  });

/** Normalises over the last `normalized` axes: (x − mean) / √(var + eps) · w + b, biased variance. */
export function layerNorm(x: Nd, normalized: number, weight: Nd | null, bias: Nd | null, eps: number): Nd {
  const row = numel(x.shape.slice(-normalized));
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / row; r++) {
    const v = x.data.subarray(r * row, (r + 1) * row);
    const mean = total([...v]) / row;
    const variance = total([...v].map((a) => (a - mean) ** 2)) / row;
    for (let i = 0; i < row; i++)
      out[r * row + i] = ((v[i] - mean) / Math.sqrt(variance + eps)) * (weight?.data[i] ?? 1) + (bias?.data[i] ?? 0);
  }
  return { shape: x.shape, data: out };
}

/** x / √(mean(x²) + eps) · w over the last `normalized` axes. */
export function rmsNorm(x: Nd, normalized: number, weight: Nd | null, eps: number): Nd {
  const row = numel(x.shape.slice(-normalized));
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / row; r++) {
    const v = x.data.subarray(r * row, (r + 1) * row);
    const rms = Math.sqrt(total([...v].map((a) => a * a)) / row + eps);
    for (let i = 0; i < row; i++) out[r * row + i] = (v[i] / rms) * (weight?.data[i] ?? 1);
  }
  return { shape: x.shape, data: out };
}

export interface CrossEntropyOracleOptions {
  ignoreIndex?: number;
  labelSmoothing?: number;
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * PyTorch's cross_entropy with classes on the last axis: per row (1 − ε)·(−log p[t]) + ε·mean(−log p),
 * ignored rows give 0 (none) and are left out of the mean (every row ignored: 0/0 = NaN).
 */
export function crossEntropy(logits: Nd, target: Nd, options: CrossEntropyOracleOptions = {}): Nd {
  const { ignoreIndex = -100, labelSmoothing: eps = 0, reduction = 'mean' } = options;
  const classes = logits.shape.at(-1)!;
  const logp = logSoftmax(logits, -1);
  const losses = Array.from(target.data, (t, r) => {
    if (t === ignoreIndex) return 0;
    const row = logp.data.subarray(r * classes, (r + 1) * classes);
    return -(1 - eps) * row[t] - (eps / classes) * total([...row]);
  });
  if (reduction === 'none') return nd(losses, target.shape);
  const counted = Array.from(target.data).filter((t) => t !== ignoreIndex).length;
  return nd([reduction === 'sum' ? total(losses) : total(losses) / counted], []);
}

export function mseLoss(a: Nd, b: Nd, reduction: 'mean' | 'sum' | 'none' = 'mean'): Nd {
  const sq = zip([a, b], (x, y) => (x - y) ** 2);
  if (reduction === 'none') return sq;
  const s = reduce(sq, undefined, false, total);
  return reduction === 'sum' ? s : map(s, (v) => v / sq.data.length);
}

export interface AttentionOracleOptions {
  /** bool (1 = may attend) or additive, broadcast to [..., Tq, Tk]. */
  mask?: { values: Nd; kind: 'bool' | 'additive' };
  /** Keys after the query's position are masked, aligned to the end when Tk > Tq. */
  isCausal?: boolean;
  scale?: number;
}

/** softmax(q kᵀ · scale + mask) v over the last two axes, batch axes broadcast. */
export function attention(q: Nd, k: Nd, v: Nd, options: AttentionOracleOptions = {}): Nd {
  const [tq, e] = q.shape.slice(-2);
  const tk = k.shape.at(-2)!;
  const scale = options.scale ?? 1 / Math.sqrt(e);
  let scores = map(matmul(q, transpose(k)), (s) => s * scale);
  if (options.isCausal) {
    const causal = build([tq, tk], ([i, j]) => (j <= i + (tk - tq) ? 0 : -Infinity));
    scores = zip([scores, causal], (s, m) => s + m);
  }
  if (options.mask) {
    const { values, kind } = options.mask;
    scores = zip([scores, values], (s, m) => (kind === 'bool' ? (m ? s : -Infinity) : s + m));
  }
  return matmul(softmax(scores, -1), v);
}
