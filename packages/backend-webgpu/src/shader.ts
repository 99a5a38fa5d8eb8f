import { HALF_WGSL } from './half.js';
import type { LayoutSlot } from './params.js';

/** Threads per workgroup of the elementwise and row kernels. */
export const WORKGROUP = 64;

export type Access = 'read' | 'read_write';

/** A storage binding (binding 0 holds the parameters). */
export function binding(index: number, name: string, type: string, access: Access = 'read'): string {
  return `@group(0) @binding(${index}) var<storage, ${access}> ${name}: array<${type}>;`;
}

/** The parameter block and its readers, plus NaN/Infinity values the compiler cannot fold away. */
export function header(vec4s: number): string {
  return /* wgsl */ `
@group(0) @binding(0) var<uniform> params: array<vec4<u32>, ${vec4s}>;
fn pu(i: u32) -> u32 { return params[i >> 2u][i & 3u]; }
fn pi(i: u32) -> i32 { return bitcast<i32>(pu(i)); }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf() -> f32 { return bitcast<f32>(INF_BITS); }
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
${HALF_WGSL}`;
}

/**
 * `fn name(flat: u32) -> u32`: the storage index of element `flat` (row-major) of a strided layout
 * whose words are at `slot`; unrolled over the rank.
 */
export function offsetFn(name: string, slot: LayoutSlot): string {
  const lines = [`fn ${name}(flat: u32) -> u32 {`, `  var rest = flat;`, `  var index = pi(${slot.offset}u);`];
  for (let d = slot.rank - 1; d >= 0; d--) {
    lines.push(`  { let n = pu(${slot.shape + d}u); index += i32(rest % n) * pi(${slot.strides + d}u); rest = rest / n; }`);
  }
  lines.push('  return u32(index);', '}');
  return lines.join('\n');
}

/** Entry point of a 1-D kernel: `i` is the element, 2-D dispatch folded back into one index. */
export function elementMain(size: string, body: string): string {
  return /* wgsl */ `
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid;
  if (i >= ${size}) { return; }
${body}
}`;
}

/** Entry point of a kernel with one workgroup a row (or output): `row` and `lane`. */
export function rowMain(rows: string, body: string): string {
  return /* wgsl */ `
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= ${rows}) { return; }
${body}
}`;
}
