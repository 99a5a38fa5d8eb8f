import { contiguousLayout, formatShape } from '@peftjs/core';
import type { Args, Gpu, Info } from './args.js';
import { mapElements } from './elementwise.js';

/**
 * Strided to strided copy. When src and dst are windows of one buffer, src is first copied into a
 * scratch buffer, so the result is as if src were read in full before any write.
 */
export function copy(gpu: Gpu, { src, dst }: Args<'copy'>): void {
  if (src.dtype !== dst.dtype || formatShape(src.layout.shape) !== formatShape(dst.layout.shape)) {
    throw new TypeError(
      `copy: src ${src.dtype} ${formatShape(src.layout.shape)} and dst ${dst.dtype} ${formatShape(dst.layout.shape)} differ`,
    );
  }
  if (src.storage.buffer !== dst.storage.buffer) {
    mapElements(gpu, 'copy', '', dst, [src], ([v]) => v);
    return;
  }
  const layout = contiguousLayout(src.layout.shape);
  const size = layout.shape.reduce((a, b) => a * b, 1);
  const buffer = gpu.scratch(size);
  const staged: Info = { dtype: src.dtype, layout, storage: { id: 0, dtype: src.dtype, size, buffer } };
  mapElements(gpu, 'copy', '', staged, [src], ([v]) => v);
  mapElements(gpu, 'copy', '', dst, [staged], ([v]) => v);
  gpu.releaseScratch(buffer);
}
