import { uniformFromWord } from '@peftjs/core';
import { storeAs, type Args } from './args.js';
import { forEachWordChunk } from './philox-chunks.js';
import { ElementOffsets } from './strided.js';

/** Element j: low + (high − low) · u(word j). */
export function randomUniform({ out, low, high, key, counter }: Args<'randomUniform'>): void {
  const offsets = new ElementOffsets(out.layout);
  const data = out.storage.data;
  const store = storeAs(out.dtype);
  forEachWordChunk(key, counter, offsets.length, (words, first) => {
    for (let w = 0; w < words.length; w++) data[offsets.at(first + w)] = store(low + (high - low) * uniformFromWord(words[w]));
  });
}
