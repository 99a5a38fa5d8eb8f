import { storeAs, type Args } from './args.js';
import { ElementOffsets, axesLayout } from './strided.js';

/** out[p, j, q] = x[p, indices[j], q], where p runs over x's axes before `axis`, q over those after. */
export function gather({ x, indices, axis, out }: Args<'gather'>): void {
  const rank = x.layout.shape.length;
  const before = new ElementOffsets(axesLayout(x.layout, 0, axis));
  const after = new ElementOffsets(axesLayout(x.layout, axis + 1, rank));
  const step = x.layout.strides[axis];
  const id = indices.storage.data;
  const at = new ElementOffsets(indices.layout);
  const picked = Array.from({ length: at.length }, (_, j) => id[at.at(j)]);

  const xd = x.storage.data;
  const od = out.storage.data;
  const to = new ElementOffsets(out.layout);
  const store = storeAs(out.dtype);
  let o = 0;
  for (let i = 0; i < before.length; i++) {
    const p = before.at(i);
    for (const row of picked) {
      for (let k = 0; k < after.length; k++) od[to.at(o++)] = store(xd[x.layout.offset + p + row * step + after.at(k)]);
    }
  }
}
