import { Params, type Args, type Gpu } from './args.js';
import { binding, offsetFn } from '../shader.js';

const TILE = 8;

/**
 * out[b, i, j] = Σ_k A[b, i, k] · B[b, k, j], in 16×16 output tiles: each workgroup stages a 16×16
 * tile of A and of B in workgroup memory per step along k. A and B are read through their strides
 * (a transposed operand has its last two strides swapped; broadcast batch axes have stride 0), and
 * the batch is folded into y (tiles of rows × batches), in chunks of the device's per-dimension limit.
 */
export function matmul(gpu: Gpu, { a, b, transA, transB, out }: Args<'matmul'>): void {
  const rank = out.layout.shape.length;
  const m = out.layout.shape[rank - 2];
  const n = out.layout.shape[rank - 1];
  const k = a.layout.shape[transA ? rank - 2 : rank - 1];
  const batches = out.layout.shape.slice(0, rank - 2).reduce((x, y) => x * y, 1);
  if (m === 0 || n === 0 || batches === 0) return;
  const rowTiles = Math.ceil(m / TILE);
  const chunk = Math.max(1, Math.floor(gpu.device.limits.maxComputeWorkgroupsPerDimension / rowTiles));
  for (let first = 0; first < batches; first += chunk) {
    const p = new Params();
    const at = {
      m: p.u(m), n: p.u(n), k: p.u(k), first: p.u(first), rowTiles: p.u(rowTiles),
      aRow: p.i(a.layout.strides[transA ? rank - 1 : rank - 2]), aCol: p.i(a.layout.strides[transA ? rank - 2 : rank - 1]),
      bRow: p.i(b.layout.strides[transB ? rank - 1 : rank - 2]), bCol: p.i(b.layout.strides[transB ? rank - 2 : rank - 1]),
    };
    const aBatch = p.layout(a.layout, 0, rank - 2);
    const bBatch = p.layout(b.layout, 0, rank - 2);
    gpu.run({
      name: 'matmul',
      key: `matmul:r${rank}`,
      params: p,
      buffers: [out.storage, a.storage, b.storage],
      workgroups: [Math.ceil(n / TILE), rowTiles * Math.min(chunk, batches - first), 1],
      shader: () => [
        binding(1, 'out', 'f32', 'read_write'),
        binding(2, 'a', 'f32'),
        binding(3, 'b', 'f32'),
        offsetFn('aStart', aBatch),
        offsetFn('bStart', bBatch),
        /* wgsl */ `
var<workgroup> tileA: array<f32, ${TILE * TILE}>;
var<workgroup> tileB: array<f32, ${TILE * TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = pu(${at.m}u); let N = pu(${at.n}u); let K = pu(${at.k}u);
  let batch = wid.y / pu(${at.rowTiles}u) + pu(${at.first}u);
  let row = (wid.y % pu(${at.rowTiles}u)) * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  let aBase = i32(aStart(batch));
  let bBase = i32(bStart(batch));
  let aRow = pi(${at.aRow}u); let aCol = pi(${at.aCol}u);
  let bRow = pi(${at.bRow}u); let bCol = pi(${at.bCol}u);
  var acc = 0.0;
  for (var t = 0u; t < K; t += ${TILE}u) {
    let ka = t + lid.x;
    let kb = t + lid.y;
    var va = 0.0;
    var vb = 0.0;
    if (row < M && ka < K) { va = a[u32(aBase + i32(row) * aRow + i32(ka) * aCol)]; }
    if (kb < K && col < N) { vb = b[u32(bBase + i32(kb) * bRow + i32(col) * bCol)]; }
    tileA[lid.y * ${TILE}u + lid.x] = va;
    tileB[lid.y * ${TILE}u + lid.x] = vb;
    workgroupBarrier();
    for (var q = 0u; q < ${TILE}u; q++) {
      acc = acc + tileA[lid.y * ${TILE}u + q] * tileB[q * ${TILE}u + lid.x];
    }
    workgroupBarrier();
  }
  if (row < M && col < N) { out[(batch * M + row) * N + col] = acc; }
}`,
      ].join('\n'),
    });
  }
}
