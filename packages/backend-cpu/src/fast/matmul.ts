import type { KernelArgs, Layout } from '@peftjs/core';
import { matmulGeometry } from '../kernels/matmul-geometry.js';
import { blockKernelBytes } from './block-kernel.js';
import { packA, packB, unpackC } from './pack.js';
import { hasRelaxedSimd } from './simd-features.js';
import { BlockThreads, defaultThreads, type BlockFn } from './threads.js';

/** Structurally a `CpuStorage`: all the fast kernel reads of a buffer is its array. */
export type FastStorage = { data: Float32Array | Float64Array | Int32Array | Uint8Array };
export type FastMatmulArgs = KernelArgs<'matmul', FastStorage>;

/**
 * Blocking of the fast GEMM (GotoBLAS's loop order). mr × nr is the register tile of the
 * WebAssembly micro-kernel; kc steps of k make one packed block; the B panel holds kc × nc values
 * with as many columns as fit in `panelFloats` (at least nr); A and C are packed for up to
 * `chunkFloats` values of rows at a time, swept mc rows at a time. 4 × 8 (8 accumulators)
 * measured fastest on x86-64: 6 × 8, 4 × 12, 4 × 16 and 8 × 8 were 10–20% slower.
 */
export interface FastMatmulConfig {
  readonly mr: number;
  readonly nr: number;
  /** Rows of A one micro-kernel sweep reuses (kept in cache while it walks the B panel). */
  readonly mc: number;
  readonly kc: number;
  readonly panelFloats: number;
  readonly chunkFloats: number;
}

export const DEFAULT_FAST_MATMUL_CONFIG: FastMatmulConfig = {
  mr: 4,
  nr: 8,
  mc: 64,
  kc: 256,
  panelFloats: 1 << 19,
  chunkFloats: 1 << 21,
};

export interface FastMatmulOptions {
  /** Threads that share each large product (workers plus the caller); 1 keeps it on the caller. */
  readonly threads?: number;
  /** Use relaxed SIMD's multiply-add where the engine has it (default true). */
  readonly fma?: boolean;
}

/** Largest shared memory the kernel may grow to, in 64 KiB pages (2 GiB). */
const MAX_SHARED_PAGES = 32768;

interface Instance {
  readonly memory: WebAssembly.Memory;
  readonly block: BlockFn;
  readonly threads: BlockThreads | null;
  view: Float32Array;
}

function instantiate(config: FastMatmulConfig, options: FastMatmulOptions): Instance | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    const fma = (options.fma ?? true) && hasRelaxedSimd();
    const threads = options.threads ?? 1;
    const shared = threads > 1 && typeof SharedArrayBuffer === 'function';
    if (shared) {
      try {
        const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_SHARED_PAGES, shared: true });
        const module = new WebAssembly.Module(
          blockKernelBytes(config.mr, config.nr, { fma, memory: { kind: 'shared', pages: 1, maxPages: MAX_SHARED_PAGES } }) as BufferSource,
        );
        const instance = new WebAssembly.Instance(module, { env: { memory } });
        const pool = new BlockThreads(module, memory, threads, config.mr, config.nr);
        return { memory, block: instance.exports.block as BlockFn, threads: pool, view: new Float32Array(memory.buffer) };
      } catch {
        // no shared WebAssembly memory here (a page that is not cross-origin isolated): one thread
      }
    }
    const module = new WebAssembly.Module(blockKernelBytes(config.mr, config.nr, { fma }) as BufferSource);
    const instance = new WebAssembly.Instance(module, {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    return { memory, block: instance.exports.block as BlockFn, threads: null, view: new Float32Array(memory.buffer) };
  } catch {
    return null; // no WebAssembly SIMD here: the caller uses the reference kernel
  }
}

function ensureFloats(inst: Instance, floats: number): Float32Array {
  const bytes = floats * 4;
  if (inst.memory.buffer.byteLength < bytes) {
    inst.memory.grow(Math.ceil((bytes - inst.memory.buffer.byteLength) / 65536));
  }
  // a shared memory may hand out a new buffer object on every read: compare sizes
  if (inst.view.byteLength !== inst.memory.buffer.byteLength) inst.view = new Float32Array(inst.memory.buffer);
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

/** The block kernel on row tiles [t, t + tiles) of a packed A chunk. */
function sweep(
  block: BlockFn,
  t: number,
  tiles: number,
  mr: number,
  nTiles: number,
  kc: number,
  pa: number,
  paStride: number,
  pb: number,
  pbStride: number,
  pc: number,
  ldc: number,
): void {
  block(tiles, nTiles, kc, pa + t * paStride, paStride, pb, pbStride, pc + t * mr * ldc, ldc);
}

function gemm(inst: Instance, config: FastMatmulConfig, g: Gemm): void {
  const { mr, nr } = config;
  const { m, n, k } = g;
  const kcMax = Math.min(config.kc, k);
  const ncMax = Math.min(roundUp(n, nr), Math.max(nr, Math.floor(config.panelFloats / kcMax / nr) * nr));
  const mChunk = Math.min(roundUp(m, mr), Math.max(mr, Math.floor(config.chunkFloats / Math.max(ncMax, kcMax) / mr) * mr));
  // scratch layout in floats: [A chunk mChunk × kc][B panel kc × ncMax][C chunk mChunk × ncMax]
  const aBase = 0;
  const bBase = mChunk * kcMax;
  const cBase = bBase + kcMax * ncMax;
  const mem = ensureFloats(inst, cBase + mChunk * ncMax);
  for (let j0 = 0; j0 < n; j0 += ncMax) {
    const nc = Math.min(ncMax, n - j0);
    const ncp = roundUp(nc, nr);
    for (let i0 = 0; i0 < m; i0 += mChunk) {
      const mc = Math.min(mChunk, m - i0);
      const mcp = roundUp(mc, mr);
      mem.fill(0, cBase, cBase + mcp * ncp);
      for (let p0 = 0; p0 < k; p0 += kcMax) {
        const kc = Math.min(kcMax, k - p0);
        packB(g.b, g.bOffset + p0 * g.bRow, g.bRow, g.bCol, j0, nc, kc, nr, mem, bBase);
        packA(g.a, g.aRows, g.aCol, i0, mc, kc, mr, mem, aBase, p0);
        const mTiles = mcp / mr;
        const step = Math.max(1, Math.floor(config.mc / mr));
        const args = [ncp / nr, kc, aBase * 4, kc * mr * 4, bBase * 4, kc * nr * 4, cBase * 4, ncp * 4] as const;
        if (inst.threads) inst.threads.run(inst.block, step, mTiles, ...args);
        else for (let t = 0; t < mTiles; t += step) sweep(inst.block, t, Math.min(step, mTiles - t), mr, ...args);
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
export interface FastMatmul {
  (args: FastMatmulArgs): boolean;
  /** Resolves to the number of worker threads started (for tests and benchmarks; kernels never wait). */
  whenReady(): Promise<number>;
  /** Bytes of WebAssembly memory the kernel's packed panels use (bounded by its blocking config). */
  scratchBytes(): number;
  /** Threads it may use, those started so far, and the most one product has been split over. */
  threadUsage(): ThreadUsage;
}

export interface ThreadUsage {
  /** Threads asked for, the calling thread included. */
  readonly requested: number;
  /** Threads that can take a share now: the started workers plus the calling thread (1 where threads are unavailable). */
  readonly started: number;
  /** The most threads one product has been split over so far. */
  readonly maxUsed: number;
}

export function createFastMatmul(config: FastMatmulConfig = DEFAULT_FAST_MATMUL_CONFIG, options: FastMatmulOptions = {}): FastMatmul {
  let inst: Instance | null | undefined;
  const fastMatmul = function fastMatmul({ a, b, transA, transB, out }: FastMatmulArgs): boolean {
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || out.dtype !== 'float32') return false;
    const ad = a.storage.data;
    const bd = b.storage.data;
    const od = out.storage.data;
    if (!(ad instanceof Float32Array && bd instanceof Float32Array && od instanceof Float32Array)) return false;
    if (inst === undefined) inst = instantiate(config, options);
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
          m: m * (last - first),
          n,
          k,
          a: ad,
          aRows: rowOffsets(aBatch.subarray(first, last), m, aRow),
          aCol,
          b: bd,
          bOffset: bBatch[first],
          bRow,
          bCol,
          out: od,
          outRows: rowOffsets(outBatch.subarray(first, last), m, outRow),
          outCol,
        });
      }
    } catch (error) {
      // the scratch memory could not grow: the reference kernel needs none and rewrites all of out
      if (error instanceof RangeError) return false;
      throw error;
    }
    return true;
  };
  return Object.assign(fastMatmul, {
    async whenReady(): Promise<number> {
      if (inst === undefined) inst = instantiate(config, options);
      return inst?.threads ? inst.threads.whenReady() : 0;
    },
    scratchBytes(): number {
      return inst ? inst.memory.buffer.byteLength : 0;
    },
    threadUsage(): ThreadUsage {
      const pool = inst?.threads;
      return { requested: options.threads ?? 1, started: 1 + (pool?.readyWorkers ?? 0), maxUsed: pool?.maxThreadsUsed ?? 1 };
    },
  });
}

/**
 * The fast float32 matmul (see createFastMatmul), on every core: true when it computed `out`,
 * false when the reference kernel must run instead.
 */
export const fastMatmulFloat32: FastMatmul = createFastMatmul(DEFAULT_FAST_MATMUL_CONFIG, { threads: defaultThreads() });
