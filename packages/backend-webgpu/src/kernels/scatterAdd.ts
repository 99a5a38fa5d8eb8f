import { sizeOf } from '@peftjs/core';
import { Params, sizeOfInfo, type Args, type Gpu } from './args.js';
import { binding, elementMain, offsetFn, WORKGROUP } from '../shader.js';
import { wgslType } from '../storage.js';

/**
 * out[p, indices[j], q] += src[p, j, q]. One thread per (p, q) walks j in order: no two threads
 * touch the same element of out, so no atomics are needed and the sums are deterministic (repeated
 * indices accumulate in index order, like the reference). An index out of range is reported
 * (indexAdd's error at the next read) and skipped, never written outside out.
 */
export function scatterAdd(gpu: Gpu, { src, indices, axis, out }: Args<'scatterAdd'>): void {
  const shape = out.layout.shape;
  const before = sizeOf(shape.slice(0, axis));
  const after = sizeOf(shape.slice(axis + 1));
  const picks = sizeOfInfo(indices);
  const columns = before * after;
  if (columns === 0 || picks === 0) return;
  const type = wgslType(out.dtype);
  const p = new Params();
  const at = { columns: p.u(columns), after: p.u(after), picks: p.u(picks), rows: p.u(shape[axis]) };
  const srcSlot = p.layout(src.layout);
  const idxSlot = p.layout(indices.layout);
  const check = gpu.checkIndices(p, (v) => `indexAdd: index ${v} is out of range for a dimension of size ${shape[axis]}`);
  gpu.run({
    name: 'scatterAdd',
    key: `scatterAdd:${out.dtype}:r${src.layout.shape.length}:i${indices.layout.shape.length}`,
    params: p,
    buffers: [out.storage, src.storage, indices.storage, ...check.buffers],
    workgroups: Math.ceil(columns / WORKGROUP),
    shader: () =>
      [
        binding(1, 'out', type, 'read_write'),
        binding(2, 'src', wgslType(src.dtype)),
        binding(3, 'indices', 'i32'),
        check.wgsl(4),
        offsetFn('srcAt', srcSlot),
        offsetFn('indexAt', idxSlot),
        elementMain(
          `pu(${at.columns}u)`,
          /* wgsl */ `
  let after = pu(${at.after}u);
  let picks = pu(${at.picks}u);
  let rows = pu(${at.rows}u);
  let pBefore = i / after;
  let q = i % after;
  for (var j = 0u; j < picks; j++) {
    let index = indices[indexAt(j)];
    if (index < 0 || u32(index) >= rows) {
      reportBadIndex(index);
      continue;
    }
    let o = (pBefore * rows + u32(index)) * after + q;
    out[o] = out[o] + src[srcAt((pBefore * picks + j) * after + q)];
  }`,
        ),
      ].join('\n'),
  });
}
