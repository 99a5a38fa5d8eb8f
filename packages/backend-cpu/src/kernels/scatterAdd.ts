import { sizeOf } from '@peftjs/core';
import { storeAs, type Args } from './args.js';
import { ElementOffsets } from './strided.js';

/**
 * out[p, indices[j], q] += src[p, j, q], where p runs over the axes before `axis` and q over those
 * after; repeated indices accumulate. The sums run in float64 and are stored once at the end.
 */
export function scatterAdd({ src, indices, axis, out }: Args<'scatterAdd'>): void {
  const shape = out.layout.shape;
  const before = sizeOf(shape.slice(0, axis));
  const rows = shape[axis];
  const after = sizeOf(shape.slice(axis + 1));
  const id = indices.storage.data;
  const at = new ElementOffsets(indices.layout);
  const picked = Array.from({ length: at.length }, (_, j) => id[at.at(j)]);

  const od = out.storage.data;
  const to = new ElementOffsets(out.layout);
  const acc = Float64Array.from({ length: to.length }, (_, j) => od[to.at(j)]);
  const sd = src.storage.data;
  const from = new ElementOffsets(src.layout);
  let s = 0; // src is [before, picked.length, after] in row-major order
  for (let p = 0; p < before; p++) {
    for (const row of picked) {
      for (let q = 0; q < after; q++) acc[(p * rows + row) * after + q] += sd[from.at(s++)];
    }
  }
  const store = storeAs(out.dtype);
  for (let j = 0; j < to.length; j++) od[to.at(j)] = store(acc[j]);
}
