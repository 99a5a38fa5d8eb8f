import { add, defaultGenerator, mul, philoxWords, sub, type Tensor, tensor, tidy, uniformFromWord } from '@peftjs/core';
import { identityLike } from '../linalg/solve.js';

/**
 * Which of `count` blocks multiplicative dropout replaces: exactly ⌊p·count⌋ of them, drawn
 * without replacement from the global Philox stream (PEFT draws a random permutation), so every
 * backend drops the same blocks for the same seed. 1 = replaced.
 */
export function droppedBlocks(count: number, p: number): Float64Array {
  const drop = Math.floor(p * count);
  const mask = new Float64Array(count);
  if (drop === 0) return mask;
  const { key, counter } = defaultGenerator().next(count, 'uniform');
  const words = philoxWords(key, counter, new Uint32Array(Math.ceil(count / 4) * 4));
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => uniformFromWord(words[a]!) - uniformFromWord(words[b]!) || a - b);
  for (const i of order.slice(0, drop)) mask[i] = 1;
  return mask;
}

/**
 * OFT/BOFT's multiplicative dropout on rotation blocks [..., d, b, b]: ⌊p·d⌋ of the d blocks become
 * the identity (in the first batch entry chosen at random when there are leading factors, as BOFT
 * does). Returns `blocks` itself when nothing is dropped.
 */
export function blockDropout(blocks: Tensor, p: number, options: { batchPick?: boolean } = {}): Tensor {
  const d = blocks.shape[blocks.rank - 3]!;
  const mask = droppedBlocks(d, p);
  if (!mask.some((v) => v === 1)) return blocks;
  return tidy(() => {
    const lead = blocks.shape.slice(0, -3);
    const count = lead.reduce((a, b) => a * b, 1);
    const full = new Float64Array(count * d);
    // BOFT replaces blocks in one randomly chosen butterfly factor only
    const pick = options.batchPick && count > 1 ? Math.min(count - 1, Math.floor(droppedUniform() * count)) : -1;
    for (let f = 0; f < count; f++) if (pick < 0 || f === pick) full.set(mask, f * d);
    const m = tensor(full, { shape: [...lead, d, 1, 1], dtype: blocks.dtype });
    const n = blocks.shape[blocks.rank - 1]!;
    return add(mul(sub(1, m), blocks), mul(m, identityLike(blocks, n)));
  });
}

function droppedUniform(): number {
  const { key, counter } = defaultGenerator().next(1, 'uniform');
  return uniformFromWord(philoxWords(key, counter, new Uint32Array(4))[0]!);
}
