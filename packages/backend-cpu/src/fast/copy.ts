import { shapesEqual } from '@peftjs/core';
import type { Args } from '../kernels/args.js';
import { planRows } from './rows.js';

/** Rows at least this long are copied with TypedArray.set (a memcpy) rather than element by element. */
const SET_MIN = 16;

/**
 * Strided copy by rows: dense runs with `set`, other rows with a stepping loop. Leaves to the
 * reference a dtype or shape mismatch (its error) and copies within one buffer (overlaps).
 */
export function fastCopy({ src, dst }: Args<'copy'>): boolean {
  if (src.dtype !== dst.dtype || !shapesEqual(src.layout.shape, dst.layout.shape)) return false;
  const s = src.storage.data;
  const d = dst.storage.data;
  if (s === d) return false;
  const {
    count,
    length,
    starts: [sd, ss],
    steps: [pd, ps],
  } = planRows(dst.layout.shape, [dst.layout, src.layout]);
  if (pd === 1 && ps === 1 && length >= SET_MIN) {
    for (let r = 0; r < count; r++) d.set(s.subarray(ss[r], ss[r] + length), sd[r]);
    return true;
  }
  for (let r = 0; r < count; r++) {
    for (let k = 0, id = sd[r], is = ss[r]; k < length; k++, id += pd, is += ps) d[id] = s[is];
  }
  return true;
}
