import type { ReduceOp } from '@peftjs/core';
import type { Args } from '../kernels/args.js';
import { isDense } from './rows.js';
import type { Values } from './values.js';

/** An axis group after merging: `size` elements `stride` apart, reduced or kept. */
interface Group {
  size: number;
  stride: number;
  readonly reduced: boolean;
}

/**
 * x's axes merged into groups of equal reducedness, or null unless they form kept · reduced · kept
 * (either kept group may be missing): the shapes of a reduction over trailing, leading or middle axes.
 */
function groups(shape: readonly number[], strides: readonly number[], axes: readonly number[]): [Group, Group, Group] | null {
  const list: Group[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const reduced = axes.includes(d);
    const last = list[list.length - 1];
    if (last && last.reduced === reduced && last.stride === strides[d] * shape[d]) {
      last.size *= shape[d];
      last.stride = strides[d];
    } else {
      list.push({ size: shape[d], stride: strides[d], reduced });
    }
  }
  const none = (reduced: boolean): Group => ({ size: 1, stride: 0, reduced });
  if (list.length > 0 && list[0].reduced) list.unshift(none(false));
  if (list.length === 1 || (list.length > 1 && !list[1].reduced)) list.splice(1, 0, none(true));
  while (list.length < 3) list.push(none(false));
  return list.length === 3 && !list[0].reduced && list[1].reduced && !list[2].reduced ? (list as [Group, Group, Group]) : null;
}

/**
 * out[k1, k2] = combine over r of x[k1, r, k2], visiting r in order like the reference (float64
 * accumulation, max/min propagate NaN), so the results are the reference's bit for bit.
 */
type Loop = (x: Values, base: number, k1: Group, r: Group, k2: Group, o: Values, oBase: number) => void;

function loop(initial: number, combine: (acc: number, v: number) => number): Loop {
  return (x, base, k1, r, k2, o, oBase) => {
    const acc = new Float64Array(k2.size);
    for (let i = 0; i < k1.size; i++) {
      acc.fill(initial);
      for (let j = 0, row = base + i * k1.stride; j < r.size; j++, row += r.stride) {
        for (let k = 0, at = row; k < k2.size; k++, at += k2.stride) acc[k] = combine(acc[k], x[at]);
      }
      o.set(acc, oBase + i * k2.size);
    }
  };
}

/** Sums with no call per element: over rows (a scalar accumulator) or over columns (a row of them). */
function sumRows(x: Values, base: number, k1: Group, r: Group, k2: Group, o: Values, oBase: number): void {
  if (k2.size !== 1) return sumColumns(x, base, k1, r, k2, o, oBase);
  for (let i = 0; i < k1.size; i++) {
    let acc = 0;
    for (let j = 0, at = base + i * k1.stride; j < r.size; j++, at += r.stride) acc += x[at];
    o[oBase + i] = acc;
  }
}

function sumColumns(x: Values, base: number, k1: Group, r: Group, k2: Group, o: Values, oBase: number): void {
  const acc = new Float64Array(k2.size);
  for (let i = 0; i < k1.size; i++) {
    acc.fill(0);
    for (let j = 0, row = base + i * k1.stride; j < r.size; j++, row += r.stride) {
      for (let k = 0, at = row; k < k2.size; k++, at += k2.stride) acc[k] += x[at];
    }
    o.set(acc, oBase + i * k2.size);
  }
}

/**
 * sumRows and sumColumns again for float32 input: the same float64 accumulation in the same
 * order (so the same bits), in functions that only ever see a Float32Array, which V8 then
 * compiles for that one array type.
 */
function sumRowsFloat32(x: Float32Array, base: number, k1: Group, r: Group, k2: Group, o: Values, oBase: number): void {
  if (k2.size !== 1) return sumColumnsFloat32(x, base, k1, r, k2, o, oBase);
  const rs = r.stride;
  for (let i = 0; i < k1.size; i++) {
    let acc = 0;
    for (let j = 0, at = base + i * k1.stride; j < r.size; j++, at += rs) acc += x[at];
    o[oBase + i] = acc;
  }
}

function sumColumnsFloat32(x: Float32Array, base: number, k1: Group, r: Group, k2: Group, o: Values, oBase: number): void {
  const acc = new Float64Array(k2.size);
  const n = k2.size;
  const ks = k2.stride;
  for (let i = 0; i < k1.size; i++) {
    acc.fill(0);
    for (let j = 0, row = base + i * k1.stride; j < r.size; j++, row += r.stride) {
      if (ks === 1) for (let k = 0; k < n; k++) acc[k] += x[row + k];
      else for (let k = 0, at = row; k < n; k++, at += ks) acc[k] += x[at];
    }
    o.set(acc, oBase + i * n);
  }
}

const LOOPS: Record<ReduceOp, Loop> = {
  sum: sumRows,
  max: loop(-Infinity, (acc, v) => (v > acc || Number.isNaN(v) ? v : acc)),
  min: loop(Infinity, (acc, v) => (v < acc || Number.isNaN(v) ? v : acc)),
};

/** False (the reference runs) for empty tensors, bool outputs and axis patterns other than kept · reduced · kept. */
export function fastReduce({ op, x, axes, out }: Args<'reduce'>): boolean {
  const f = LOOPS[op];
  if (!f || out.dtype === 'bool' || !isDense(out.layout) || x.layout.shape.includes(0)) return false;
  const g = groups(x.layout.shape, x.layout.strides, axes);
  if (!g) return false;
  const data = x.storage.data;
  if (op === 'sum' && data instanceof Float32Array)
    sumRowsFloat32(data, x.layout.offset, g[0], g[1], g[2], out.storage.data, out.layout.offset);
  else f(data, x.layout.offset, g[0], g[1], g[2], out.storage.data, out.layout.offset);
  return true;
}
