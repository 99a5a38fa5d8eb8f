import type { KernelSignatures, Layout } from '@peftjs/core';
import { matmulGeometry } from '../kernels/matmulGeometry.js';
import { blockKernelBytes } from './blockKernel.js';
import { packA, packB, unpackC } from './pack.js';

/** Structurally a `CpuStorage`: all the fast kernel reads of a buffer is its array. */
export type FastStorage = { data: Float32Array | Float64Array | Int32Array | Uint8Array };
export type FastMatmulArgs = Parameters<KernelSignatures<FastStorage>['matmul']>[0];

/**
 * Blocking of the fast GEMM. mr × nr is the register tile of the WebAssembly micro-kernel; mc rows
 * of A and kc steps of k make the block of A that stays in L2 while the kernel sweeps the B panel;
 * the B panel holds as many columns as fit in `panelFloats` for the whole k (at least nr).
 * 4 × 8 (8 accumulators) measured fastest on x86-64: 6 × 8, 4 × 12, 4 × 16 and 8 × 8 were 10–20%
 * slower; mc, kc and panelFloats change little within a factor of two of these values.
 */
export interface FastMatmulConfig {
  readonly mr: number;
  readonly nr: number;
  readonly mc: number;
  readonly kc: number;
  readonly panelFloats: number;
}

export const DEFAULT_FAST_MATMUL_CONFIG: FastMatmulConfig = {
  mr: 4, nr: 8, mc: 64, kc: 256, panelFloats: 1 << 19,
};

type BlockFn = (
  mTiles: number, nTiles: number, kc: number, pa: number, paStride: number, pb: number, pbStride: number,
  pc: number, ldc: number,
) => void;

interface Instance {
  readonly memory: WebAssembly.Memory;
  readonly block: BlockFn;
  view: Float32Array;
}

function instantiate(config: FastMatmulConfig): Instance | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    const module = new WebAssembly.Module(blockKernelBytes(config.mr, config.nr) as BufferSource);
    const instance = new WebAssembly.Instance(module, {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    return { memory, block: instance.exports.block as BlockFn, view: new Float32Array(memory.buffer) };
  } catch {
    return null; // no WebAssembly SIMD here: the caller uses the reference kernel
  }
}

function ensureFloats(inst: Instance, floats: number): Float32Array {
  const bytes = floats * 4;
  if (inst.memory.buffer.byteLength < bytes) {
    inst.memory.grow(Math.ceil((bytes - inst.memory.buffer.byteLength) / 65536));
  }
  if (inst.view.buffer !== inst.memory.buffer) inst.view = new Float32Array(inst.memory.buffer);
  return inst.view;
}

/** Offsets of every batch element of `layout` (all axes but the last two), in row-major batch order. */
function batchOffsets(layout: Layout, batchShape: readonly number[]): Int32Array {
  const count = batchShape.reduce((x, y) => x * y, 1);
  const offsets = new Int32Array(count);
  const index = new Array<number>(batchShape.length).fill(0);
  let offset = layout.offset;
  for (let b = 0; b < count; b++) {
    offsets[b] = offset;
    for (let axis = batchShape.length - 1; axis >= 0; axis--) {
      index[axis]++;
      offset += layout.strides[axis];
      if (index[axis] < batchShape[axis]) break;
      offset -= index[axis] * layout.strides[axis];
      index[axis] = 0;
    }
  }
  return offsets;
}

/** Offsets of the first element of each of `rows` rows: row b·rows + i is at batch[b] + i·rowStride. */
function rowOffsets(batch: Int32Array, rows: number, rowStride: number): Int32Array {
  const offsets = new Int32Array(batch.length * rows);
  for (let b = 0; b < batch.length; b++) {
    for (let i = 0; i < rows; i++) offsets[b * rows + i] = batch[b] + i * rowStride;
  }
  return offsets;
}

/** One GEMM: out rows (m of them, at outRows) = A rows (at aRows, stride aCol along k) · B (k × n). */
interface Gemm {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: Float32Array;
  readonly aRows: Int32Array;
  readonly aCol: number;
  readonly b: Float32Array;
  readonly bOffset: number;
  readonly bRow: number;
  readonly bCol: number;
  readonly out: Float32Array;
  readonly outRows: Int32Array;
  readonly outCol: number;
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}

function gemm(inst: Instance, config: FastMatmulConfig, g: Gemm): void {
  const { mr, nr } = config;
  const { m, n, k } = g;
  const mcMax = Math.min(roundUp(config.mc, mr), roundUp(m, mr));
  const ncMax = Math.min(roundUp(n, nr), Math.max(nr, Math.floor(config.panelFloats / k / nr) * nr));
  // scratch layout in floats: [A panel mcMax × k][B panel k × ncMax][C block mcMax × ncMax]
  const aBase = 0;
  const bBase = mcMax * k;
  const cBase = bBase + k * ncMax;
  const mem = ensureFloats(inst, cBase + mcMax * ncMax);
  for (let j0 = 0; j0 < n; j0 += ncMax) {
    const nc = Math.min(ncMax, n - j0);
    const ncp = roundUp(nc, nr);
    packB(g.b, g.bOffset, g.bRow, g.bCol, j0, nc, k, nr, mem, bBase);
    for (let i0 = 0; i0 < m; i0 += mcMax) {
      const mc = Math.min(mcMax, m - i0);
      const mcp = roundUp(mc, mr);
      packA(g.a, g.aRows, g.aCol, i0, mc, k, mr, mem, aBase);
      mem.fill(0, cBase, cBase + mcp * ncp);
      for (let p0 = 0; p0 < k; p0 += config.kc) {
        const kc = Math.min(config.kc, k - p0);
        inst.block(
          mcp / mr, ncp / nr, kc,
          (aBase + p0 * mr) * 4, k * mr * 4,
          (bBase + p0 * nr) * 4, k * nr * 4,
          cBase * 4, ncp * 4,
        );
      }
      unpackC(mem, cBase, ncp, g.out, g.outRows, g.outCol, i0, mc, j0, nc);
    }
  }
}

/**
 * A float32 matmul with the signature of the `matmul` kernel, built on a WebAssembly SIMD block
 * kernel over packed panels (float32 accumulation). Returns false when it does not apply (a dtype
 * other than float32, no WebAssembly SIMD, or its scratch memory cannot grow): the caller then runs
 * the reference kernel, which writes every element of out.
 */
export function createFastMatmul(config: FastMatmulConfig = DEFAULT_FAST_MATMUL_CONFIG): (args: FastMatmulArgs) => boolean {
  let inst: Instance | null | undefined;
  return function fastMatmul({ a, b, transA, transB, out }: FastMatmulArgs): boolean {
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || out.dtype !== 'float32') return false;
    const ad = a.storage.data;
    const bd = b.storage.data;
    const od = out.storage.data;
    if (!(ad instanceof Float32Array && bd instanceof Float32Array && od instanceof Float32Array)) return false;
    if (inst === undefined) inst = instantiate(config);
    if (inst === null) return false;

    const { rank, m, n, k, aRow, aCol, bRow, bCol } = matmulGeometry(a.layout, b.layout, transA, transB, out.layout);
    const outRow = out.layout.strides[rank - 2];
    const outCol = out.layout.strides[rank - 1];
    const batchShape = out.layout.shape.slice(0, rank - 2);
    const aBatch = batchOffsets(a.layout, batchShape);
    const bBatch = batchOffsets(b.layout, batchShape);
    const outBatch = batchOffsets(out.layout, batchShape);
    if (m === 0 || n === 0 || aBatch.length === 0) return true;

    if (k === 0) {
      const rows = rowOffsets(outBatch, m, outRow);
      for (const row of rows) for (let j = 0; j < n; j++) od[row + j * outCol] = 0;
      return true;
    }

    const shared = bBatch.every((offset) => offset === bBatch[0]);
    // B shared by every batch element (a weight): one GEMM over all the rows of all the batches
    const groups = shared ? [[0, aBatch.length]] : Array.from(aBatch, (_, i) => [i, i + 1]);
    try {
      for (const [first, last] of groups) {
        gemm(inst, config, {
          m: m * (last - first), n, k,
          a: ad, aRows: rowOffsets(aBatch.subarray(first, last), m, aRow), aCol,
          b: bd, bOffset: bBatch[first], bRow, bCol,
          out: od, outRows: rowOffsets(outBatch.subarray(first, last), m, outRow), outCol,
        });
      }
    } catch (error) {
      // the scratch memory could not grow: the reference kernel needs none and rewrites all of out
      if (error instanceof RangeError) return false;
      throw error;
    }
    return true;
  };
}

/**
 * The fast float32 matmul (see createFastMatmul): true when it computed `out`, false when the
 * reference kernel must run instead.
 */
export const fastMatmulFloat32: (args: FastMatmulArgs) => boolean = createFastMatmul();
