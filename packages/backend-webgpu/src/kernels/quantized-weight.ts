import type { QuantizedWeightInfo } from '@peftjs/core';
import type { Params } from '../params.js';
import { binding } from '../shader.js';
import type { WebGPUStorage } from '../storage.js';

export type WeightInfo = QuantizedWeightInfo<WebGPUStorage>;

/** The part of a pipeline key a quantized weight decides (its format and whether the absmax is nested). */
export function weightKey(w: WeightInfo): string {
  return `${w.format}:${w.nested ? 'nested' : 'flat'}`;
}

/** The weight's buffers, bound from `first` on, in the order weightShader declares them. */
export function weightBuffers(w: WeightInfo): WebGPUStorage[] {
  const n = w.nested;
  return [w.codes, w.codeMap, w.absmax, n?.codes, n?.codeMap, n?.absmax, n?.offset]
    .filter((t): t is NonNullable<typeof t> => t != null)
    .map((t) => {
      if (t.layout.offset !== 0) throw new Error('webgpu: quantized weight buffers must start at offset 0');
      return t.storage;
    });
}

/**
 * WGSL: the weight's bindings from `first` on and `fn wAt(i: u32) -> f32`, element i (row-major)
 * of W dequantized as core's QuantizedWeightInfo defines it. Block sizes travel in `p`.
 */
export function weightShader(w: WeightInfo, p: Params, first: number): string {
  const blockAt = p.u(w.blockSize);
  const nestedAt = w.nested ? p.u(w.nested.blockSize) : 0;
  let b = first;
  const lines = [binding(b++, 'wCodes', 'u32')];
  if (w.codeMap) lines.push(binding(b++, 'wCodeMap', 'f32'));
  if (w.absmax) lines.push(binding(b++, 'wAbsmax', 'f32'));
  if (w.nested) {
    lines.push(
      binding(b++, 'wNestedCodes', 'u32'),
      binding(b++, 'wNestedCodeMap', 'f32'),
      binding(b++, 'wNestedAbsmax', 'f32'),
      binding(b++, 'wNestedOffset', 'f32'),
    );
  }
  const absmax = w.nested
    ? `let c = (wNestedCodes[blk >> 2u] >> ((blk & 3u) << 3u)) & 255u;
  return wNestedCodeMap[c] * wNestedAbsmax[blk / pu(${nestedAt}u)] + wNestedOffset[0];`
    : 'return wAbsmax[blk];';
  const value =
    w.format === 'nf4'
      ? `let code = (wCodes[i >> 3u] >> ((i & 7u) << 2u)) & 15u;
  return wCodeMap[code] * blockAbsmax(i / pu(${blockAt}u));`
      : `let byte = (wCodes[i >> 2u] >> ((i & 3u) << 3u)) & 255u;
  let signed = i32(byte) - select(0, 256, byte > 127u);
  return f32(signed) * (blockAbsmax(i / pu(${blockAt}u)) / 127.0);`;
  return `${lines.join('\n')}
fn blockAbsmax(blk: u32) -> f32 {
  ${absmax}
}
fn wAt(i: u32) -> f32 {
  ${value}
}`;
}
