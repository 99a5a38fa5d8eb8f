import { normalFromWords } from '@peftjs/core';
import { storeAs, type Args } from './args.js';
import { forEachWordChunk } from './philox-chunks.js';
import { ElementOffsets } from './strided.js';

/** Elements 2p and 2p+1 are the two Box–Muller outputs of words 2p and 2p+1 (an odd size uses the first). */
export function randomNormal({ out, mean, std, key, counter }: Args<'randomNormal'>): void {
  const offsets = new ElementOffsets(out.layout);
  const n = offsets.length;
  const data = out.storage.data;
  const store = storeAs(out.dtype);
  // chunks hold whole pairs: each starts at an even word
  forEachWordChunk(key, counter, n + (n % 2), (words, first) => {
    for (let w = 0; w < words.length && first + w < n; w++) {
      const pair = w - (w % 2);
      const z = normalFromWords(words[pair], words[pair + 1], w % 2 === 1);
      data[offsets.at(first + w)] = store(mean + std * z);
    }
  });
}
