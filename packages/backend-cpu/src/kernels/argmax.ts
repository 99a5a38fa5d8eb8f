import type { Args } from './args.js';
import { ElementOffsets } from './strided.js';

/** First index of the maximum along `axis`; a NaN counts as the maximum (like PyTorch). */
export function argmax({ x, axis, out }: Args<'argmax'>): void {
  const { shape, strides, offset } = x.layout;
  const length = shape[axis];
  const step = strides[axis];
  // Where each line along `axis` starts: x's layout without that axis.
  const starts = new ElementOffsets({
    shape: shape.filter((_, d) => d !== axis),
    strides: strides.filter((_, d) => d !== axis),
    offset,
  });
  const xd = x.storage.data;
  const od = out.storage.data;
  const to = new ElementOffsets(out.layout);
  for (let r = 0; r < starts.length; r++) {
    let best = 0;
    const start = starts.at(r);
    let bestValue = xd[start];
    for (let k = 1; k < length && !Number.isNaN(bestValue); k++) {
      const v = xd[start + k * step];
      if (v > bestValue || Number.isNaN(v)) {
        best = k;
        bestValue = v;
      }
    }
    od[to.at(r)] = best;
  }
}
