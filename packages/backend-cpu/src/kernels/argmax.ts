import type { Args } from './args.js';
import { stridedOffsets } from './strided.js';

/** First index of the maximum along `axis`; a NaN counts as the maximum (like PyTorch). */
export function argmax({ x, axis, out }: Args<'argmax'>): void {
  const { shape, strides, offset } = x.layout;
  const length = shape[axis];
  const step = strides[axis];
  // Where each line along `axis` starts: x's layout without that axis.
  const starts = stridedOffsets({
    shape: shape.filter((_, d) => d !== axis),
    strides: strides.filter((_, d) => d !== axis),
    offset,
  });
  const xd = x.storage.data;
  const od = out.storage.data;
  const to = stridedOffsets(out.layout);
  for (let r = 0; r < starts.length; r++) {
    let best = 0;
    let bestValue = xd[starts[r]];
    for (let k = 1; k < length && !Number.isNaN(bestValue); k++) {
      const v = xd[starts[r] + k * step];
      if (v > bestValue || Number.isNaN(v)) {
        best = k;
        bestValue = v;
      }
    }
    od[to[r]] = best;
  }
}
