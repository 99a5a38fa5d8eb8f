import { philoxWords, uniformFromWord } from '@peftjs/core';
import type { Args } from './args.js';
import { stridedOffsets } from './strided.js';

/** Element j: 1 when u(word j) < p, else 0. */
export function randomBernoulli({ out, p, key, counter }: Args<'randomBernoulli'>): void {
  const offsets = stridedOffsets(out.layout);
  const words = philoxWords(key, counter, new Uint32Array(offsets.length));
  const data = out.storage.data;
  for (let j = 0; j < offsets.length; j++) data[offsets[j]] = uniformFromWord(words[j]) < p ? 1 : 0;
}
