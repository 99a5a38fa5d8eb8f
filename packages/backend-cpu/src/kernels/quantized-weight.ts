import type { QuantizedWeightInfo } from '@peftjs/core';
import type { CpuStorage } from '../storage.js';

type Weight = QuantizedWeightInfo<CpuStorage>;

const f = Math.fround;

/** The absmax of every block (double-quantized ones decoded in float32, as the format defines). */
export function blockAbsmaxValues(w: Weight): Float32Array {
  const blocks = Math.ceil((w.rows * w.cols) / w.blockSize);
  if (w.absmax) return Float32Array.from(w.absmax.storage.data.subarray(w.absmax.layout.offset, w.absmax.layout.offset + blocks));
  const n = w.nested!;
  const codes = n.codes.storage.data;
  const map = n.codeMap.storage.data;
  const scales = n.absmax.storage.data;
  const offset = n.offset.storage.data[n.offset.layout.offset];
  const c0 = n.codes.layout.offset;
  const m0 = n.codeMap.layout.offset;
  const s0 = n.absmax.layout.offset;
  const out = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const code = (codes[c0 + (b >>> 2)] >>> ((b & 3) << 3)) & 255;
    out[b] = f(f(map[m0 + code] * scales[s0 + Math.floor(b / n.blockSize)]) + offset);
  }
  return out;
}

/**
 * The window rows [r0, r1) × columns [c0, c1) of W dequantized into `into` (row-major, (r1 − r0)
 * rows of (c1 − c0)) in float32 arithmetic, the values every backend computes.
 */
export function dequantizeWindow(
  w: Weight,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  into: Float32Array | Float64Array,
  absmax: Float32Array = blockAbsmaxValues(w),
): void {
  const codes = w.codes.storage.data;
  const w0 = w.codes.layout.offset;
  const width = c1 - c0;
  const nf4 = w.format === 'nf4';
  const map = nf4 ? w.codeMap!.storage.data : null;
  const m0 = nf4 ? w.codeMap!.layout.offset : 0;
  for (let r = r0; r < r1; r++) {
    const scale = nf4 ? 0 : f(absmax[r] / 127);
    const row = (r - r0) * width - c0;
    for (let i = r * w.cols + c0, c = c0; c < c1; i++, c++) {
      if (nf4) {
        const code = (codes[w0 + (i >>> 3)] >>> ((i & 7) << 2)) & 15;
        into[row + c] = f(map![m0 + code] * absmax[Math.floor(i / w.blockSize)]);
      } else {
        const byte = (codes[w0 + (i >>> 2)] >>> ((i & 3) << 3)) & 255;
        into[row + c] = f((byte > 127 ? byte - 256 : byte) * scale);
      }
    }
  }
}
