import type { Args } from '../kernels/args.js';
import { planRows } from './rows.js';

/** TypedArray.fill over each dense row; bool stores 1 for any non-zero value, as the reference. */
export function fastFill({ out, value }: Args<'fill'>): boolean {
  const v = out.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  const d = out.storage.data;
  const {
    count,
    length,
    starts: [so],
    steps: [po],
  } = planRows(out.layout.shape, [out.layout]);
  for (let r = 0; r < count; r++) {
    if (po === 1) d.fill(v, so[r], so[r] + length);
    else for (let k = 0, i = so[r]; k < length; k++, i += po) d[i] = v;
  }
  return true;
}
