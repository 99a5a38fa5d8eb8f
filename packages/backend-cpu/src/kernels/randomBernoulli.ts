import { uniformFromWord } from '@peftjs/core';
import type { Args } from './args.js';
import { forEachWordChunk } from './philox-chunks.js';
import { ElementOffsets } from './strided.js';

/** Element j: 1 when u(word j) < p, else 0. */
export function randomBernoulli({ out, p, key, counter }: Args<'randomBernoulli'>): void {
  const offsets = new ElementOffsets(out.layout);
  const data = out.storage.data;
  forEachWordChunk(key, counter, offsets.length, (words, first) => {
    for (let w = 0; w < words.length; w++) data[offsets.at(first + w)] = uniformFromWord(words[w]) < p ? 1 : 0;
  });
}
