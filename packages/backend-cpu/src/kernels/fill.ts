import { storeAs, type Args } from './args.js';
import { ElementOffsets } from './strided.js';

export function fill({ out, value }: Args<'fill'>): void {
  const data = out.storage.data;
  const v = storeAs(out.dtype)(value);
  const to = new ElementOffsets(out.layout);
  for (let j = 0; j < to.length; j++) data[to.at(j)] = v;
}
