import { storeAs, type Args } from './args.js';
import { stridedOffsets } from './strided.js';

export function fill({ out, value }: Args<'fill'>): void {
  const data = out.storage.data;
  const v = storeAs(out.dtype)(value);
  for (const i of stridedOffsets(out.layout)) data[i] = v;
}
