import { WORKGROUP } from '../shader.js';

/**
 * WGSL `fn <name>(v: T, lane: u32) -> T`: a tree reduction over the workgroup's lanes with
 * `combine(a, b)`, returned to every lane. Every lane must call it (it holds barriers).
 */
export function workgroupReduce(name: string, type: string, combine: (a: string, b: string) => string): string {
  return /* wgsl */ `
var<workgroup> ${name}Scratch: array<${type}, ${WORKGROUP}>;
fn ${name}(v: ${type}, lane: u32) -> ${type} {
  ${name}Scratch[lane] = v;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lane < s) {
      let a = ${name}Scratch[lane];
      let b = ${name}Scratch[lane + s];
      ${name}Scratch[lane] = ${combine('a', 'b')};
    }
    workgroupBarrier();
  }
  let r = ${name}Scratch[0];
  workgroupBarrier();
  return r;
}`;
}

/** Row reductions over f32 used by the fused kernels: rowSum and rowMax (NaN wins). */
export const ROW_REDUCE =
  workgroupReduce('rowSum', 'f32', (a, b) => `${a} + ${b}`) +
  workgroupReduce('rowMax', 'f32', (a, b) => `select(select(${a}, ${b}, ${b} > ${a}), ${b}, isNan(${b}))`);
