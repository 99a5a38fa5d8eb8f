import type { BinaryOp } from '@peftjs/core';
import type { Args } from '../kernels/args.js';
import { FLOAT32_LOOPS } from './binary-float32.js';
import { planRows, type RowPlan } from './rows.js';
import type { Values } from './values.js';

/**
 * The binary kernel over rows: one loop per op (so no function is called per element) walking each
 * operand with its own step (0 where it is broadcast). The arithmetic is the reference's, in
 * float64 and rounded once on store, so results are bit for bit the reference's.
 */
type RowLoop = (o: Values, a: Values, b: Values, p: RowPlan) => void;

const LOOPS: Record<BinaryOp, RowLoop> = {
  add: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] + b[ib];
    }
  },
  sub: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] - b[ib];
    }
  },
  mul: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] * b[ib];
    }
  },
  div: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] / b[ib];
    }
  },
  pow: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = Math.pow(a[ia], b[ib]);
    }
  },
  maximum: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = Math.max(a[ia], b[ib]);
    }
  },
  minimum: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = Math.min(a[ia], b[ib]);
    }
  },
  eq: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] === b[ib] ? 1 : 0;
    }
  },
  ne: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] !== b[ib] ? 1 : 0;
    }
  },
  lt: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] < b[ib] ? 1 : 0;
    }
  },
  le: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] <= b[ib] ? 1 : 0;
    }
  },
  gt: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] > b[ib] ? 1 : 0;
    }
  },
  ge: (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
    for (let r = 0; r < count; r++) {
      for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = a[ia] >= b[ib] ? 1 : 0;
    }
  },
};

/** int32 products wrap like the reference (float64 would round past 2^53 before the wrap). */
const imul: RowLoop = (o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) => {
  for (let r = 0; r < count; r++) {
    for (let k = 0, io = so[r], ia = sa[r], ib = sb[r]; k < length; k++, io += po, ia += pa, ib += pb) o[io] = Math.imul(a[ia], b[ib]);
  }
};

/** False when the reference must run (an unknown op). */
export function fastBinary({ op, a, b, out }: Args<'binary'>): boolean {
  const o = out.storage.data;
  const x = a.storage.data;
  const y = b.storage.data;
  const float32 = o instanceof Float32Array && x instanceof Float32Array && y instanceof Float32Array ? FLOAT32_LOOPS[op] : undefined;
  if (float32) {
    float32(o as Float32Array, x as Float32Array, y as Float32Array, planRows(out.layout.shape, [out.layout, a.layout, b.layout]));
    return true;
  }
  const loop = out.dtype === 'int32' && op === 'mul' ? imul : LOOPS[op];
  if (!loop) return false;
  loop(out.storage.data, a.storage.data, b.storage.data, planRows(out.layout.shape, [out.layout, a.layout, b.layout]));
  return true;
}
