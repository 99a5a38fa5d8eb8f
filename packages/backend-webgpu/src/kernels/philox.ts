import type { PhiloxAttrs } from '@peftjs/core';
import type { Params } from './args.js';

/**
 * Philox 4x32-10 in WGSL, word for word the stream of core's random/philox.ts: word j of a call is
 * word (j mod 4) of philox(key, counter + floor(j / 4)), the 64-bit counter in the first two words.
 * The 32×32→64 products use 16-bit halves, as WGSL has no 64-bit integers.
 */
export const PHILOX = /* wgsl */ `
fn mulhi32(a: u32, b: u32) -> u32 {
  let aLo = a & 0xffffu; let aHi = a >> 16u;
  let bLo = b & 0xffffu; let bHi = b >> 16u;
  let lolo = aLo * bLo; let mid1 = aHi * bLo; let mid2 = aLo * bHi;
  let carry = ((lolo >> 16u) + (mid1 & 0xffffu) + (mid2 & 0xffffu)) >> 16u;
  return aHi * bHi + (mid1 >> 16u) + (mid2 >> 16u) + carry;
}
fn philoxBlock(block: u32, keyAt: u32, counterAt: u32) -> vec4<u32> {
  var c0 = pu(counterAt) + block;
  var c1 = pu(counterAt + 1u) + select(0u, 1u, c0 < block);
  var c2 = 0u; var c3 = 0u;
  var k0 = pu(keyAt); var k1 = pu(keyAt + 1u);
  for (var round = 0u; round < 10u; round++) {
    let hi0 = mulhi32(0xd2511f53u, c0); let lo0 = 0xd2511f53u * c0;
    let hi1 = mulhi32(0xcd9e8d57u, c2); let lo1 = 0xcd9e8d57u * c2;
    c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
    k0 = k0 + 0x9e3779b9u; k1 = k1 + 0xbb67ae85u;
  }
  return vec4<u32>(c0, c1, c2, c3);
}
fn philoxWord(j: u32, keyAt: u32, counterAt: u32) -> u32 {
  return philoxBlock(j / 4u, keyAt, counterAt)[j % 4u];
}
fn uniformFromWord(w: u32) -> f32 { return f32(w >> 8u) * 5.9604644775390625e-8; }
`;

/** Pushes key and counter; returns where the shader finds them. */
export function philoxParams(p: Params, { key, counter }: PhiloxAttrs): { keyAt: number; counterAt: number } {
  const keyAt = p.u(key[0]);
  p.u(key[1]);
  const counterAt = p.u(counter[0]);
  p.u(counter[1]);
  return { keyAt, counterAt };
}
