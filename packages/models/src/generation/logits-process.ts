/**
 * transformers' logits processors and warpers on one row of next-token scores (host Float32Array,
 * changed in place), in transformers' order: repetition penalty, min new tokens, then for sampling
 * temperature, top-k, top-p.
 */

/** CTRL's repetition penalty: scores of tokens already in the row shrink (÷ penalty if > 0, × if < 0). */
export function applyRepetitionPenalty(scores: Float32Array, seen: readonly number[], penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(seen)) {
    if (id < 0 || id >= scores.length) continue;
    const s = scores[id];
    scores[id] = s < 0 ? s * penalty : s / penalty;
  }
}

/** EOS is not allowed before `minNewTokens` new tokens. */
export function applyMinNewTokens(scores: Float32Array, generated: number, minNewTokens: number, eos: readonly number[]): void {
  if (generated >= minNewTokens) return;
  for (const id of eos) if (id < scores.length) scores[id] = -Infinity;
}

export function applyTemperature(scores: Float32Array, temperature: number): void {
  if (temperature === 1) return;
  for (let i = 0; i < scores.length; i++) scores[i] = Math.fround(scores[i] / temperature);
}

/** Keeps the k highest scores (ties with the k-th kept too, as transformers), −∞ elsewhere. */
export function applyTopK(scores: Float32Array, k: number): void {
  if (k <= 0 || k >= scores.length) return;
  const kth = Float32Array.from(scores).sort((a, b) => b - a)[k - 1];
  for (let i = 0; i < scores.length; i++) if (scores[i] < kth) scores[i] = -Infinity;
}

/**
 * Nucleus filtering: sorted ascending, the tokens whose cumulative probability stays <= 1 − p are
 * removed, always keeping the most likely one.
 */
export function applyTopP(scores: Float32Array, p: number): void {
  if (p >= 1) return;
  const order = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b] || a - b);
  const probs = softmax(scores);
  let cumulative = 0;
  for (let r = 0; r < order.length - 1; r++) {
    cumulative += probs[order[r]];
    if (cumulative <= 1 - p) scores[order[r]] = -Infinity;
    else break;
  }
}

/** Softmax in float64 (−∞ scores get probability 0). */
export function softmax(scores: Float32Array): Float64Array {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    out[i] = scores[i] === -Infinity ? 0 : Math.exp(scores[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** log-softmax rounded to float32 (what transformers' beam search adds up). */
export function logSoftmax(scores: Float32Array): Float32Array {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (const s of scores) sum += Math.exp(s - max);
  const lse = max + Math.log(sum);
  return scores.map((s) => Math.fround(s - lse));
}

/** The index of the highest score, the first on ties (torch.argmax). */
export function argmax(scores: Float32Array): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}
