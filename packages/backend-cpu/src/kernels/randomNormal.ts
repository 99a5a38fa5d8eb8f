import { normalFromWords, philoxWords } from '@peftjs/core';
import { storeAs, type Args } from './args.js';
import { stridedOffsets } from './strided.js';

/** Elements 2p and 2p+1 are the two Box–Muller outputs of words 2p and 2p+1 (an odd size uses the first). */
export function randomNormal({ out, mean, std, key, counter }: Args<'randomNormal'>): void {
  const offsets = stridedOffsets(out.layout);
  const n = offsets.length;
  const words = philoxWords(key, counter, new Uint32Array(n + (n % 2)));
  const data = out.storage.data;
  const store = storeAs(out.dtype);
  for (let j = 0; j < n; j++) {
    const first = j - (j % 2);
    const z = normalFromWords(words[first], words[first + 1], j % 2 === 1);
    data[offsets[j]] = store(mean + std * z);
  }
}
