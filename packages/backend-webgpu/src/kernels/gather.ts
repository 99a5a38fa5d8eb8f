import { Params, sizeOfInfo, type Args, type Gpu } from './args.js';
import { mapElements } from './elementwise.js';
import { offsetFn } from '../shader.js';
import { wgslType } from '../storage.js';

/**
 * out[p, j, q] = x[p, indices[j], q], where p runs over x's axes before `axis` and q over those
 * after: each output element splits its flat index into (p, j, q). An index out of range is
 * reported (indexSelect's error at the next read) and gives 0, never a read outside x.
 */
export function gather(gpu: Gpu, { x, indices, axis, out }: Args<'gather'>): void {
  const rank = x.layout.shape.length;
  const limit = x.layout.shape[axis];
  const p = new Params();
  const afterAt = p.u(x.layout.shape.slice(axis + 1).reduce((s, d) => s * d, 1));
  const picksAt = p.u(sizeOfInfo(indices));
  const stepAt = p.i(x.layout.strides[axis]);
  const limitAt = p.u(limit);
  const before = p.layout(x.layout, 0, axis);
  const after = p.layout({ ...x.layout, offset: 0 }, axis + 1, rank);
  const check = gpu.checkIndices(p, (v) => `indexSelect: index ${v} is out of range for a dimension of size ${limit}`);
  const prelude = [
    offsetFn('beforeAt', before),
    offsetFn('afterAt', after),
    /* wgsl */ `
fn gatherPick(i: u32) -> i32 {
  let index = in1[inAt1((i / pu(${afterAt}u)) % pu(${picksAt}u))];
  if (index < 0 || u32(index) >= pu(${limitAt}u)) {
    reportBadIndex(index);
    return -1;
  }
  return index;
}
fn gatherIndex(i: u32, pick: i32) -> u32 {
  let q = i % pu(${afterAt}u);
  let r = i / (pu(${afterAt}u) * pu(${picksAt}u));
  return u32(i32(beforeAt(r)) + pick * pi(${stepAt}u) + i32(afterAt(q)));
}
fn gathered(i: u32) -> ${wgslType(out.dtype)} {
  let pick = gatherPick(i);
  if (pick < 0) { return ${wgslType(out.dtype)}(0); }
  return in0[gatherIndex(i, pick)];
}`,
  ].join('\n');
  // operand 0 is x itself (read at gatherIndex, not at its own layout); operand 1 the indices
  mapElements(gpu, 'gather', `a${axis}r${rank}`, out, [x, indices], () => `gathered(i)`, prelude, p, check);
}
