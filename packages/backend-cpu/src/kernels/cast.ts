import { storeAs, type Args } from './args.js';
import { stridedOffsets } from './strided.js';

/** Typed-array assignment does the conversions: float32 rounds, int32 truncates toward zero; bool is x != 0. */
export function cast({ x, out }: Args<'cast'>): void {
  const from = stridedOffsets(x.layout);
  const to = stridedOffsets(out.layout);
  const xd = x.storage.data;
  const od = out.storage.data;
  const store = storeAs(out.dtype);
  for (let j = 0; j < from.length; j++) od[to[j]] = store(xd[from[j]]);
}
