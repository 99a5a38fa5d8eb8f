import type { Args } from '../kernels/args.js';
import { planRows } from './rows.js';

/** Typed-array stores convert (float32 rounds, int32 truncates); to bool is x != 0, as in the reference. */
export function fastCast({ x, out }: Args<'cast'>): boolean {
  const {
    count,
    length,
    starts: [so, sx],
    steps: [po, px],
  } = planRows(out.layout.shape, [out.layout, x.layout]);
  const o = out.storage.data;
  const v = x.storage.data;
  const toBool = out.dtype === 'bool';
  for (let r = 0; r < count; r++) {
    for (let k = 0, io = so[r], ix = sx[r]; k < length; k++, io += po, ix += px) o[io] = toBool ? (v[ix] !== 0 ? 1 : 0) : v[ix];
  }
  return true;
}
