import type { Layout } from '@peftjs/core';
import { Params, type Args, type Gpu, type Info } from './args.js';
import { loadMode, multiplyTile, stageTile, storeBlock, tileShape, type OperandView } from './matmul-tile.js';
import { elementBinding, isHalfInfo, readElement, writeElement, writerFn } from '../half.js';
import { binding, offsetFn } from '../shader.js';

/** Operand `layout` (rank ≥ 2) seen as [r, k]: r is axis `rAxis` of its last two, k the other. */
function operandView(layout: Layout, rAxis: number, kAxis: number): OperandView {
  const rank = layout.shape.length;
  const stride = (d: number) => (layout.shape[d] === 1 ? 0 : layout.strides[d]);
  const batchWords = [layout.offset];
  for (let d = 0; d < rank - 2; d++) batchWords.push(stride(d));
  return { rLength: layout.shape[rAxis], kLength: layout.shape[kAxis], rStride: stride(rAxis), kStride: stride(kAxis), batchWords };
}

/**
 * out[b, i, j] = Σ_k A[b, i, k] · B[b, k, j], summed in k order, in square output tiles (see
 * matmul-tile.ts). A and B are read through their strides (a transposed operand has its last two
 * strides swapped; broadcast batch axes have stride 0), as vec4 where an operand is contiguous and
 * aligned along the loaded axis; half operands (packed) are staged one element at a time and
 * widened, and the f32 sums are narrowed once, when the output is half. The batch is folded into y (row tiles × batches), in chunks of the
 * device's per-dimension limit.
 */
export function matmul(gpu: Gpu, { a, b, transA, transB, out }: Args<'matmul'>): void {
  const rank = out.layout.shape.length;
  const m = out.layout.shape[rank - 2];
  const n = out.layout.shape[rank - 1];
  const batches = out.layout.shape.slice(0, rank - 2).reduce((x, y) => x * y, 1);
  if (m === 0 || n === 0 || batches === 0) return;
  const [last, prev] = [rank - 1, rank - 2];
  const aView = operandView(a.layout, transA ? last : prev, transA ? prev : last);
  const bView = operandView(b.layout, transB ? prev : last, transB ? last : prev);
  const k = aView.kLength;
  // half operands are packed two a word: they stage element by element, widened to f32
  const aMode = isHalfInfo(a) ? 'scalar' : loadMode(aView);
  const bMode = isHalfInfo(b) ? 'scalar' : loadMode(bView);
  // 64×64 tiles where both output dimensions fill them; 32×32 (64 threads) for thin or small products
  const shape = tileShape(m >= 64 && n >= 64 ? 16 : 8);
  const { threads, tile, depth } = shape;
  const rowTiles = Math.ceil(m / tile);
  const chunk = Math.max(1, Math.floor(gpu.device.limits.maxComputeWorkgroupsPerDimension / rowTiles));
  for (let first = 0; first < batches; first += chunk) {
    const p = new Params();
    const at = {
      m: p.u(m),
      n: p.u(n),
      k: p.u(k),
      first: p.u(first),
      rowTiles: p.u(rowTiles),
      aR: p.i(aView.rStride),
      aK: p.i(aView.kStride),
      bR: p.i(bView.rStride),
      bK: p.i(bView.kStride),
    };
    const aBatch = p.layout(a.layout, 0, rank - 2);
    const bBatch = p.layout(b.layout, 0, rank - 2);
    const operand = (name: string, index: number, mode: string, dtype: Info['dtype']) =>
      mode === 'scalar' ? elementBinding(index, name, dtype, 'f32') : binding(index, `${name}Vec`, 'vec4<f32>');
    gpu.run({
      name: 'matmul',
      key: `matmul:t${threads}:r${rank}:${aMode}:${bMode}:${a.dtype}:${b.dtype}:${out.dtype}`,
      params: p,
      buffers: [out.storage, a.storage, b.storage],
      workgroups: [Math.ceil(n / tile), rowTiles * Math.min(chunk, batches - first), 1],
      shader: () =>
        [
          elementBinding(1, 'out', out.dtype, 'f32', 'read_write'),
          operand('a', 2, aMode, a.dtype),
          operand('b', 3, bMode, b.dtype),
          writerFn('out', out.dtype),
          offsetFn('aStart', aBatch),
          offsetFn('bStart', bBatch),
          /* wgsl */ `
var<workgroup> tileA: array<vec4<f32>, ${(depth * tile) / 4}>;
var<workgroup> tileB: array<vec4<f32>, ${(depth * tile) / 4}>;
@compute @workgroup_size(${threads}, ${threads})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let M = pu(${at.m}u); let N = pu(${at.n}u); let K = pu(${at.k}u);
  let batch = wid.y / pu(${at.rowTiles}u) + pu(${at.first}u);
  let a0 = (wid.y % pu(${at.rowTiles}u)) * ${tile}u;
  let b0 = wid.x * ${tile}u;
  let aBase = i32(aStart(batch)); let aR = pi(${at.aR}u); let aK = pi(${at.aK}u); let aLen = M;
  let bBase = i32(bStart(batch)); let bR = pi(${at.bR}u); let bK = pi(${at.bK}u); let bLen = N;
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  for (var t = 0u; t < K; t += ${depth}u) {
    ${stageTile(shape, 'a', aMode, (i) => readElement('a', a.dtype, i))}
    ${stageTile(shape, 'b', bMode, (i) => readElement('b', b.dtype, i))}
    workgroupBarrier();
    ${multiplyTile(shape)}
    workgroupBarrier();
  }
  let row0 = a0 + lid.y * 4u;
  let col0 = b0 + lid.x * 4u;
${storeBlock((index, value) => writeElement('out', out.dtype, index, value))}
}`,
        ].join('\n'),
    });
  }
}
