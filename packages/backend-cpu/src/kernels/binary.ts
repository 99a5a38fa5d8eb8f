import type { BinaryOp } from '@peftjs/core';
import type { Args } from './args.js';
import { mapElements } from './elementwise.js';

/** Each op on float64 values; comparisons give 0/1. maximum/minimum propagate NaN (Math.max does). */
const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

/**
 * Storing into an Int32Array truncates toward zero, wraps, and turns ±Infinity and NaN into 0, so
 * int32 add, sub and div (x / 0 = 0) need nothing more. Only a product can pass 2^53, where float64
 * would round before the wrap.
 */
const INT32: Partial<Record<BinaryOp, (a: number, b: number) => number>> = {
  mul: (a, b) => Math.imul(a, b),
};

export function binary({ op, a, b, out }: Args<'binary'>): void {
  const f = (out.dtype === 'int32' ? INT32[op] : undefined) ?? BINARY[op];
  if (!f) throw new RangeError(`binary: unknown op ${String(op)}`);
  mapElements(out, [a, b], f);
}
