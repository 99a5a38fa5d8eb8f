import { philoxWords, uniformFromWord } from '@peftjs/core';
import { storeAs, type Args } from './args.js';
import { stridedOffsets } from './strided.js';

/** Element j: low + (high − low) · u(word j). */
export function randomUniform({ out, low, high, key, counter }: Args<'randomUniform'>): void {
  const offsets = stridedOffsets(out.layout);
  const words = philoxWords(key, counter, new Uint32Array(offsets.length));
  const data = out.storage.data;
  const store = storeAs(out.dtype);
  for (let j = 0; j < offsets.length; j++) data[offsets[j]] = store(low + (high - low) * uniformFromWord(words[j]));
}
