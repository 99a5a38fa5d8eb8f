import type { Args } from '../kernels/args.js';
import { planRows } from './rows.js';

/** out = cond ? a : b over rows (each operand with its own step); the same values as the reference. */
export function fastWhere({ cond, a, b, out }: Args<'where'>): boolean {
  const { count, length, starts: [so, sc, sa, sb], steps: [po, pc, pa, pb] } = planRows(out.layout.shape, [out.layout, cond.layout, a.layout, b.layout]);
  const o = out.storage.data;
  const c = cond.storage.data;
  const x = a.storage.data;
  const y = b.storage.data;
  for (let r = 0; r < count; r++) {
    for (let k = 0, io = so[r], ic = sc[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ic += pc, ia += pa, ib += pb) {
      o[io] = c[ic] !== 0 ? x[ia] : y[ib];
    }
  }
  return true;
}
