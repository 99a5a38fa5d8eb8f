import { philoxWords } from '@peftjs/core';

/** Words generated at a time: whole Philox blocks (4 words) and whole Box–Muller pairs. */
const CHUNK = 1 << 14;

/**
 * Philox words 0..n−1 of (key, counter), one chunk at a time, so a large tensor needs no word
 * array of its own size: `each(words, first)` gets words [first, first + words.length).
 */
export function forEachWordChunk(
  key: readonly [number, number],
  counter: readonly [number, number],
  n: number,
  each: (words: Uint32Array, first: number) => void,
): void {
  const buffer = new Uint32Array(Math.min(CHUNK, n));
  for (let first = 0; first < n; first += CHUNK) {
    const words = n - first < CHUNK ? buffer.subarray(0, n - first) : buffer;
    // word w comes from block counter + w/4; philoxWords carries into the counter's high word
    philoxWords(key, [counter[0] + first / 4, counter[1]], words);
    each(words, first);
  }
}
