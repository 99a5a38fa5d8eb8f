import { philoxWords, uniformFromWord, type Generator } from '@peftjs/core';
import { softmax } from './logits-process.js';

/**
 * One uniform in [0, 1) per row from the Philox stream, so a seeded generator gives the same
 * samples on every backend (the draw is on the host; the stream is core's).
 */
export function uniforms(generator: Generator, rows: number): Float64Array {
  const attrs = generator.next(rows, 'uniform');
  const words = philoxWords(attrs.key, attrs.counter, new Uint32Array(rows));
  return Float64Array.from(words, uniformFromWord);
}

/** The token whose cumulative probability first exceeds u (inverse CDF of softmax(scores)). */
export function sampleToken(scores: Float32Array, u: number): number {
  const probs = softmax(scores);
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    cumulative += probs[i];
    last = i;
    if (u < cumulative) return i;
  }
  return last;
}
