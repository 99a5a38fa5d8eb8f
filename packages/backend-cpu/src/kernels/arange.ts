import { storeAs, type Args } from './args.js';
import { ElementOffsets } from './strided.js';

/** out[j] = start + j·step (in float64, then stored in out's dtype). */
export function arange({ out, start, step }: Args<'arange'>): void {
  const data = out.storage.data;
  const store = storeAs(out.dtype);
  const offsets = new ElementOffsets(out.layout);
  for (let j = 0; j < offsets.length; j++) data[offsets.at(j)] = store(start + j * step);
}
