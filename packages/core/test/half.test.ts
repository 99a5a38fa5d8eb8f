import { describe, expect, it } from 'vitest';
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits } from '../src/index.js';

describe('float16 and bfloat16 storage', () => {
  it('decodes IEEE half-precision bit patterns', () => {
    const bits = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x0000, 0x8000, 0x3555]);
    const v = float16BitsToFloat32(bits);
    expect([...v.slice(0, 6)]).toEqual([1, -2, 65504, 2 ** -24, Infinity, -Infinity]);
    expect(Object.is(v[7], -0)).toBe(true);
    expect(v[8]).toBeCloseTo(0.333251953125, 12);
    expect(Number.isNaN(float16BitsToFloat32(new Uint16Array([0x7e00]))[0])).toBe(true);
  });

  it('encodes with round-to-nearest-even, overflow to infinity and subnormals', () => {
    const bits = float32ToFloat16Bits([1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 2 ** -25 * 1.5, 1e-9, -0.5]);
    expect([...bits]).toEqual([0x3c00, 0x3c00, 0x3c02, 0x7c00, 0x0001, 0x0000, 0xb800]);
  });

  it('round-trips every finite half value', () => {
    const all = new Uint16Array(0x7c00);
    for (let i = 0; i < all.length; i++) all[i] = i;
    expect([...float32ToFloat16Bits(float16BitsToFloat32(all))]).toEqual([...all]);
  });

  it('converts bfloat16 by the top 16 bits with rounding to nearest even', () => {
    expect([...bfloat16BitsToFloat32(new Uint16Array([0x3f80, 0xc040, 0x7f80]))]).toEqual([1, -3, Infinity]);
    const bits = float32ToBfloat16Bits([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.140625]);
    expect([...bits]).toEqual([0x3f80, 0x3f80, 0x3f82, 0x4049]);
    expect(Number.isNaN(bfloat16BitsToFloat32(float32ToBfloat16Bits([NaN]))[0])).toBe(true);
  });
});
