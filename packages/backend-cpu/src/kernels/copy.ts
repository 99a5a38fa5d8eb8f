import { formatShape } from '@peftjs/core';
import type { Args } from './args.js';
import { ElementOffsets } from './strided.js';

/** Strided to strided copy; src and dst may be overlapping windows of one buffer. */
export function copy({ src, dst }: Args<'copy'>): void {
  if (src.dtype !== dst.dtype || formatShape(src.layout.shape) !== formatShape(dst.layout.shape)) {
    throw new TypeError(
      `copy: src ${src.dtype} ${formatShape(src.layout.shape)} and dst ${dst.dtype} ${formatShape(dst.layout.shape)} differ`,
    );
  }
  const from = new ElementOffsets(src.layout);
  const to = new ElementOffsets(dst.layout);
  const s = src.storage.data;
  const d = dst.storage.data;
  // Read everything before writing anything, so an overlap cannot read what was just written.
  const values = new Float64Array(from.length);
  for (let j = 0; j < from.length; j++) values[j] = s[from.at(j)];
  for (let j = 0; j < to.length; j++) d[to.at(j)] = values[j];
}
