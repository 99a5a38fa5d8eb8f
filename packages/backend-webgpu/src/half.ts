import { isHalf, type DType } from '@peftjs/core';
import { binding, type Access } from './shader.js';

/**
 * float16 and bfloat16 on the GPU: two elements packed in each u32 word (element 2w in the low
 * half, 2w + 1 in the high half), read and written through the bit conversions below and computed
 * in f32. Packing needs no `shader-f16`, so it runs on every device. The conversions are written out
 * in integer arithmetic rather than with pack2x16float/unpack2x16float, whose results WGSL leaves
 * indeterminate for values outside float16's range: an overflow must give ±Infinity (loss scaling
 * looks for it), and rounding is to nearest, ties to even, as half.ts in core does on the host.
 *
 * A packed element is stored with two atomics on its word (clear its half, then set it), so threads
 * writing the two halves of one word never lose each other's bits, whatever the output's layout.
 */
export const HALF_WGSL = /* wgsl */ `
fn f16ToF32(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) { return bitcast<f32>(bitcast<u32>(f32(m) * 5.9604644775390625e-8) | sign); }
  if (e == 31u) { return bitcast<f32>(sign | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}
fn f32ToF16(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  let sign = (b >> 16u) & 0x8000u;
  let exp = i32((b >> 23u) & 0xffu);
  var mant = b & 0x7fffffu;
  if (exp == 255) { return sign | 0x7c00u | select(0u, 0x200u, mant != 0u); }
  let e = exp - 112;
  if (e >= 31) { return sign | 0x7c00u; }
  if (e <= 0) {
    if (e < -10) { return sign; }
    mant = mant | 0x800000u;
    let shift = u32(14 - e);
    var h = mant >> shift;
    let rem = mant & ((1u << shift) - 1u);
    let halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (h & 1u) == 1u)) { h = h + 1u; }
    return sign | h;
  }
  var h = (u32(e) << 10u) | (mant >> 13u);
  let rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) == 1u)) { h = h + 1u; }
  return sign | h;
}
fn bf16ToF32(h: u32) -> f32 { return bitcast<f32>(h << 16u); }
fn f32ToBf16(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; }
  return ((b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u) & 0xffffu;
}
fn halfBits(word: u32, i: u32) -> u32 { return (word >> ((i & 1u) * 16u)) & 0xffffu; }
`;

/** Whether a kernel argument holds half elements. */
export function isHalfInfo(t: { readonly dtype: DType }): boolean {
  return isHalf(t.dtype);
}

/** u32 words a buffer of `size` elements of `dtype` takes. */
export function wordsFor(dtype: DType, size: number): number {
  return isHalf(dtype) ? Math.ceil(size / 2) : size;
}

/** The storage binding of an element buffer: packed half outputs bind as atomic words. */
export function elementBinding(index: number, name: string, dtype: DType, stored: string, access: Access = 'read'): string {
  if (!isHalf(dtype)) return binding(index, name, stored, access);
  return binding(index, name, access === 'read' ? 'u32' : 'atomic<u32>', access);
}

/** WGSL expression: element `index` of buffer `name` (a pure expression) as stored, half widened to f32. */
export function readElement(name: string, dtype: DType, index: string): string {
  if (!isHalf(dtype)) return `${name}[${index}]`;
  const widen = dtype === 'float16' ? 'f16ToF32' : 'bf16ToF32';
  return `${widen}(halfBits(${name}[(${index}) >> 1u], ${index}))`;
}

/** WGSL helper functions `writeElement` needs for output buffer `name` (none unless it is half). */
export function writerFn(name: string, dtype: DType): string {
  if (!isHalf(dtype)) return '';
  const narrow = dtype === 'float16' ? 'f32ToF16' : 'f32ToBf16';
  return /* wgsl */ `
fn ${name}Write(i: u32, x: f32) {
  let shift = (i & 1u) * 16u;
  atomicAnd(&${name}[i >> 1u], ~(0xffffu << shift));
  atomicOr(&${name}[i >> 1u], ${narrow}(x) << shift);
}`;
}

/** WGSL statement storing `value` (the stored type; f32 for half) at element `index` of `name`. */
export function writeElement(name: string, dtype: DType, index: string, value: string): string {
  return isHalf(dtype) ? `${name}Write(${index}, ${value});` : `${name}[${index}] = ${value};`;
}
