import { isHalf, type DType } from '@peftjs/core';

/**
 * WGSL conversions between stored values: toI32 is JavaScript's ToInt32 (truncate toward zero,
 * wrap modulo 2^32, NaN and ±Infinity give 0), as an Int32Array store does.
 */
export const CONVERT = /* wgsl */ `
fn toI32(x: f32) -> i32 {
  if (isNan(x) || abs(x) == inf()) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  let bits = bitcast<u32>(t);
  let e = i32((bits >> 23u) & 0xffu) - 150;
  let m = (bits & 0x7fffffu) | 0x800000u;
  var low = 0u;
  if (e < 32) { low = m << u32(e); }
  if ((bits >> 31u) != 0u) { low = 0u - low; }
  return bitcast<i32>(low);
}
fn toBoolF(x: f32) -> u32 { return select(0u, 1u, isNan(x) || x != 0.0); }
`;

/** The type values of `dtype` are computed in: f32 for float32 and the half dtypes, i32 for int32 and bool. */
export function computeType(dtype: DType): 'f32' | 'i32' {
  return dtype === 'float32' || isHalf(dtype) ? 'f32' : 'i32';
}

/**
 * WGSL expression converting `expr`, an element of `dtype` as read (half elements arrive widened to
 * f32 by readElement), to compute type `to`.
 */
export function load(expr: string, dtype: DType, to: 'f32' | 'i32'): string {
  if (dtype === 'float32' || isHalf(dtype)) return to === 'f32' ? expr : `toI32(${expr})`;
  if (dtype === 'int32') return to === 'i32' ? expr : `f32(${expr})`;
  return to === 'i32' ? `i32(${expr})` : `f32(${expr})`;
}

/** WGSL expression storing a compute value `expr` (of type `from`) into an element of `dtype` (half: the f32 writeElement narrows). */
export function store(expr: string, from: 'f32' | 'i32', dtype: DType): string {
  if (dtype === 'float32' || isHalf(dtype)) return from === 'f32' ? expr : `f32(${expr})`;
  if (dtype === 'int32') return from === 'i32' ? expr : `toI32(${expr})`;
  return from === 'f32' ? `toBoolF(${expr})` : `select(0u, 1u, ${expr} != 0)`;
}
