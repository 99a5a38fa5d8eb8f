import { contiguousStrides, sizeOf, type ReduceOp } from '@peftjs/core';
import { storeAs, type Args } from './args.js';
import { ElementOffsets } from './strided.js';

const INITIAL: Record<ReduceOp, number> = { sum: 0, max: -Infinity, min: Infinity };

/** max and min propagate NaN: once the running value is NaN it stays NaN. */
const COMBINE: Record<ReduceOp, (acc: number, v: number) => number> = {
  sum: (acc, v) => acc + v,
  max: (acc, v) => (v > acc || Number.isNaN(v) ? v : acc),
  min: (acc, v) => (v < acc || Number.isNaN(v) ? v : acc),
};

/** Accumulates in float64; each element of x goes to the out element with its reduced coordinates removed. */
export function reduce({ op, x, axes, out }: Args<'reduce'>): void {
  const shape = x.layout.shape;
  const reduced = new Set(axes);
  const kept = shape.filter((_, d) => !reduced.has(d));
  const keptStrides = contiguousStrides(kept);
  // The flat index in out of every x element: out's contiguous strides, with 0 on the reduced axes.
  const toOut: number[] = [];
  for (let d = 0, k = 0; d < shape.length; d++) toOut.push(reduced.has(d) ? 0 : keptStrides[k++]);
  const target = new ElementOffsets({ shape, strides: toOut, offset: 0 });

  const acc = new Float64Array(sizeOf(kept)).fill(INITIAL[op]);
  const combine = COMBINE[op];
  const xd = x.storage.data;
  const from = new ElementOffsets(x.layout);
  for (let j = 0; j < from.length; j++) {
    const t = target.at(j);
    acc[t] = combine(acc[t], xd[from.at(j)]);
  }

  const od = out.storage.data;
  const store = storeAs(out.dtype);
  const to = new ElementOffsets(out.layout);
  for (let j = 0; j < to.length; j++) od[to.at(j)] = store(acc[j]);
}
