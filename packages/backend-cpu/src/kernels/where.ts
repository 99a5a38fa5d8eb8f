import type { Args } from './args.js';
import { mapElements } from './elementwise.js';

/** out = cond ? a : b, elementwise (all three broadcast to out's shape by strides). */
export function where({ cond, a, b, out }: Args<'where'>): void {
  mapElements(out, [cond, a, b], (c, x, y) => (c !== 0 ? x : y));
}
