import { Params, sizeOfInfo, type Args, type Gpu } from './args.js';
import { mapElements } from './elementwise.js';
import { offsetFn } from '../shader.js';

/**
 * out[p, j, q] = x[p, indices[j], q], where p runs over x's axes before `axis` and q over those
 * after: each output element splits its flat index into (p, j, q).
 */
export function gather(gpu: Gpu, { x, indices, axis, out }: Args<'gather'>): void {
  const rank = x.layout.shape.length;
  const p = new Params();
  const afterAt = p.u(x.layout.shape.slice(axis + 1).reduce((s, d) => s * d, 1));
  const picksAt = p.u(sizeOfInfo(indices));
  const stepAt = p.i(x.layout.strides[axis]);
  const before = p.layout({ ...x.layout, offset: x.layout.offset }, 0, axis);
  const after = p.layout({ ...x.layout, offset: 0 }, axis + 1, rank);
  const prelude = [
    offsetFn('beforeAt', before),
    offsetFn('afterAt', after),
    /* wgsl */ `
fn gatherIndex(i: u32) -> u32 {
  let q = i % pu(${afterAt}u);
  let j = (i / pu(${afterAt}u)) % pu(${picksAt}u);
  let r = i / (pu(${afterAt}u) * pu(${picksAt}u));
  return u32(i32(beforeAt(r)) + in1[inAt1(j)] * pi(${stepAt}u) + i32(afterAt(q)));
}`,
  ].join('\n');
  // operand 0 is x itself (read at gatherIndex, not at its own layout); operand 1 the indices
  mapElements(gpu, 'gather', `a${axis}r${rank}`, out, [x, indices], () => `in0[gatherIndex(i)]`, prelude, p);
}
