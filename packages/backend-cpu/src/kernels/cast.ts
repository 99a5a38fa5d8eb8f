import type { Args } from './args.js';
import { mapElements } from './elementwise.js';

/** Typed-array assignment does the conversions: float32 rounds, int32 truncates toward zero; bool is x != 0. */
export function cast({ x, out }: Args<'cast'>): void {
  mapElements(out, [x], (v) => v);
}
