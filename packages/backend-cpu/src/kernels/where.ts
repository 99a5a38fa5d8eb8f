import { storeAs, type Args } from './args.js';
import { stridedOffsets } from './strided.js';

/** out = cond ? a : b, elementwise (all three broadcast to out's shape by strides). */
export function where({ cond, a, b, out }: Args<'where'>): void {
  const ci = stridedOffsets(cond.layout);
  const ai = stridedOffsets(a.layout);
  const bi = stridedOffsets(b.layout);
  const oi = stridedOffsets(out.layout);
  const cd = cond.storage.data;
  const ad = a.storage.data;
  const bd = b.storage.data;
  const od = out.storage.data;
  const store = storeAs(out.dtype);
  for (let j = 0; j < oi.length; j++) od[oi[j]] = store(cd[ci[j]] !== 0 ? ad[ai[j]] : bd[bi[j]]);
}
