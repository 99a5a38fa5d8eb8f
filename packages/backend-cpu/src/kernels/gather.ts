import { storeAs, type Args } from './args.js';
import { axesLayout, stridedOffsets } from './strided.js';

/** out[p, j, q] = x[p, indices[j], q], where p runs over x's axes before `axis`, q over those after. */
export function gather({ x, indices, axis, out }: Args<'gather'>): void {
  const rank = x.layout.shape.length;
  const before = stridedOffsets(axesLayout(x.layout, 0, axis));
  const after = stridedOffsets(axesLayout(x.layout, axis + 1, rank));
  const step = x.layout.strides[axis];
  const id = indices.storage.data;
  const picked = Array.from(stridedOffsets(indices.layout), (i) => id[i]);

  const xd = x.storage.data;
  const od = out.storage.data;
  const to = stridedOffsets(out.layout);
  const store = storeAs(out.dtype);
  let o = 0;
  for (const p of before) {
    for (const row of picked) {
      for (const q of after) od[to[o++]] = store(xd[x.layout.offset + p + row * step + q]);
    }
  }
}
