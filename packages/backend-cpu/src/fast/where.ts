import type { Args } from '../kernels/args.js';
import { planRows, type RowPlan } from './rows.js';
import type { Values } from './values.js';

/** out = cond ? a : b over rows (each operand with its own step); the same values as the reference. */
export function fastWhere({ cond, a, b, out }: Args<'where'>): boolean {
  const plan = planRows(out.layout.shape, [out.layout, cond.layout, a.layout, b.layout]);
  const o = out.storage.data;
  const c = cond.storage.data;
  const x = a.storage.data;
  const y = b.storage.data;
  if (o instanceof Float32Array && c instanceof Uint8Array && x instanceof Float32Array && y instanceof Float32Array)
    whereFloat32(o, c, x, y, plan);
  else whereAny(o, c, x, y, plan);
  return true;
}

function whereAny(
  o: Values,
  c: Values,
  x: Values,
  y: Values,
  { count, length, starts: [so, sc, sa, sb], steps: [po, pc, pa, pb] }: RowPlan,
): void {
  for (let r = 0; r < count; r++) {
    for (let k = 0, io = so[r], ic = sc[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ic += pc, ia += pa, ib += pb) {
      o[io] = c[ic] !== 0 ? x[ia] : y[ib];
    }
  }
}

/** The same loop for float32 values and a bool mask only (the attention mask), so V8 sees one array type each. */
function whereFloat32(
  o: Float32Array,
  c: Uint8Array,
  x: Float32Array,
  y: Float32Array,
  { count, length, starts: [so, sc, sa, sb], steps: [po, pc, pa, pb] }: RowPlan,
): void {
  for (let r = 0; r < count; r++) {
    for (let k = 0, io = so[r], ic = sc[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ic += pc, ia += pa, ib += pb) {
      o[io] = c[ic] !== 0 ? x[ia] : y[ib];
    }
  }
}
