import { Params, type Args, type Gpu } from './args.js';
import { loadMode, multiplyTile, stageTile, storeBlock, tileShape } from './matmul-tile.js';
import { weightBuffers, weightKey, weightShader } from './quantized-weight.js';
import { binding } from '../shader.js';

/**
 * The fused dequantize-matmul: the tiled matmul of matmul.ts with B staged from the quantized
 * weight, each element dequantized as it enters the workgroup tile (the float weight never exists
 * in memory). out = x · Wᵀ (transposeWeight) or x · W; x is [M, K] contiguous, out [M, N].
 */
export function quantizedMatmul(gpu: Gpu, { x, weight, transposeWeight, out }: Args<'quantizedMatmul'>): void {
  const m = out.layout.shape[0];
  const n = out.layout.shape[1];
  const k = transposeWeight ? weight.cols : weight.rows;
  if (m === 0 || n === 0) return;
  const aView = { rLength: m, kLength: k, rStride: k, kStride: 1, batchWords: [x.layout.offset] };
  const aMode = loadMode(aView);
  // B[k][j] is W[j][k] (x · Wᵀ) or W[k][j] (x · W): element j·cols + k or k·cols + j of W
  const [bR, bK] = transposeWeight ? [weight.cols, 1] : [1, weight.cols];
  const shape = tileShape(m >= 64 && n >= 64 ? 16 : 8);
  const { threads, tile, depth } = shape;
  const rowTiles = Math.ceil(m / tile);
  const p = new Params();
  const at = { m: p.u(m), n: p.u(n), k: p.u(k), x0: p.i(x.layout.offset), aR: p.i(k), bR: p.i(bR), bK: p.i(bK) };
  const weightWgsl = weightShader(weight, p, 3);
  gpu.run({
    name: 'quantizedMatmul',
    key: `quantizedMatmul:t${threads}:${aMode}:${weightKey(weight)}`,
    params: p,
    buffers: [out.storage, x.storage, ...weightBuffers(weight)],
    workgroups: [Math.ceil(n / tile), rowTiles, 1],
    shader: () =>
      [
        binding(1, 'out', 'f32', 'read_write'),
        binding(2, aMode === 'scalar' ? 'a' : 'aVec', aMode === 'scalar' ? 'f32' : 'vec4<f32>'),
        weightWgsl,
        /* wgsl */ `
var<workgroup> tileA: array<vec4<f32>, ${(depth * tile) / 4}>;
var<workgroup> tileB: array<vec4<f32>, ${(depth * tile) / 4}>;
@compute @workgroup_size(${threads}, ${threads})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let M = pu(${at.m}u); let N = pu(${at.n}u); let K = pu(${at.k}u);
  let batch = 0u;
  let a0 = wid.y * ${tile}u;
  let b0 = wid.x * ${tile}u;
  let aBase = pi(${at.x0}u); let aR = pi(${at.aR}u); let aK = 1; let aLen = M;
  let bBase = 0; let bR = pi(${at.bR}u); let bK = pi(${at.bK}u); let bLen = N;
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  for (var t = 0u; t < K; t += ${depth}u) {
    ${stageTile(shape, 'a', aMode)}
    ${stageTile(shape, 'b', 'scalar', (index) => `wAt(${index})`)}
    workgroupBarrier();
    ${multiplyTile(shape)}
    workgroupBarrier();
  }
  let row0 = a0 + lid.y * 4u;
  let col0 = b0 + lid.x * 4u;
${storeBlock()}
}`,
      ].join('\n'),
  });
}
