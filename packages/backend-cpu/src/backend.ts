import { arrayDType, type Backend, type BackendCapabilities, type BackendMemory, type DType, type TypedArray } from '@peftjs/core';
import { fastKernels, fastKernelsFor, fastMatmulFor } from './fast/kernels.js';
import type { FastMatmul, ThreadUsage } from './fast/matmul.js';
import { cpuKernels } from './kernels/index.js';
import { BufferPool } from './pool.js';
import type { CpuStorage } from './storage.js';

export interface CpuBackendOptions {
  /**
   * Use the fast kernels (typed-array loops without per-element index arithmetic, and a blocked
   * WebAssembly SIMD float32 matmul) where they apply; false keeps every kernel on the plain
   * reference path, the oracle other backends are compared with. Default true.
   */
  fast?: boolean;
  /**
   * Bytes of freed buffers kept for reuse (zeroed again when reused). Default 256 MiB with the fast
   * kernels, 0 (every buffer freshly allocated) with `fast: false`.
   */
  poolBytes?: number;
  /**
   * Threads that share each large fast matmul (worker threads in Node, Web Workers in a
   * cross-origin-isolated page; one thread elsewhere). Results have the same bits for any count.
   * Default: the machine's cores, at most 8.
   */
  threads?: number;
}

const DEFAULT_POOL_BYTES = 256 * 2 ** 20;

/** What the CPU computes in: float16/bfloat16 weights are widened to float32 when they load. */
const CPU_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

export class CpuBackend implements Backend<CpuStorage> {
  readonly name = 'cpu';
  readonly capabilities: BackendCapabilities = {
    dtypes: CPU_DTYPES,
    syncRead: true,
    requiresContiguous: false,
    maxBufferSize: 2 ** 31 - 1,
  };
  readonly kernels: typeof cpuKernels;

  constructor(options: CpuBackendOptions = {}) {
    const fast = options.fast ?? true;
    const threads = options.threads;
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
      throw new RangeError(`CpuBackend: threads must be a positive integer, got ${String(threads)}`);
    }
    this.kernels = !fast ? cpuKernels : threads === undefined ? fastKernels : fastKernelsFor(threads);
    this.matmul = fast ? fastMatmulFor(threads) : null;
    const poolBytes = options.poolBytes ?? (fast ? DEFAULT_POOL_BYTES : 0);
    if (typeof poolBytes !== 'number' || !(poolBytes >= 0)) {
      throw new RangeError(`CpuBackend: poolBytes must be a non-negative number of bytes, got ${String(poolBytes)}`);
    }
    this.pool = new BufferPool(poolBytes);
  }

  private readonly pool: BufferPool;
  private readonly matmul: FastMatmul | null;

  /**
   * The threads of this backend's fast matmul: how many it may use, how many have started (worker
   * threads start asynchronously; until then the calling thread does all the work) and the most
   * one product has been split over so far. All 1 with `fast: false` or where threads are unavailable.
   */
  threadUsage(): ThreadUsage {
    return this.matmul ? this.matmul.threadUsage() : { requested: 1, started: 1, maxUsed: 1 };
  }

  /** Resolves once the fast matmul's worker threads have started (or failed to), with threadUsage() then. */
  async whenThreadsReady(): Promise<ThreadUsage> {
    await this.matmul?.whenReady();
    return this.threadUsage();
  }
  private readonly live = new Set<CpuStorage>();
  private nextId = 1;
  private liveBytes = 0;
  private highWaterBytes = 0;

  alloc(dtype: DType, size: number): CpuStorage {
    if (!CPU_DTYPES.includes(dtype))
      throw new TypeError(`cpu: cannot allocate dtype ${String(dtype)} (the cpu backend computes in ${CPU_DTYPES.join(', ')})`);
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`cpu: buffer size must be a non-negative integer, got ${size}`);
    const storage: CpuStorage = { id: this.nextId++, dtype, data: this.pool.take(dtype, size) };
    this.live.add(storage);
    this.liveBytes += storage.data.byteLength;
    this.highWaterBytes = Math.max(this.highWaterBytes, this.liveBytes + this.pool.pooledBytes);
    return storage;
  }

  free(storage: CpuStorage): void {
    if (!this.live.delete(storage)) {
      throw new Error(
        `cpu: free of buffer ${storage.id} (${storage.dtype}[${storage.data.length}]), which is not live: already freed or not from this backend`,
      );
    }
    this.liveBytes -= storage.data.byteLength;
    this.pool.give(storage.dtype, storage.data);
  }

  upload(storage: CpuStorage, data: TypedArray): void {
    this.checkLive(storage, 'upload');
    const dtype = arrayDType(data);
    if (dtype !== storage.dtype || data.length !== storage.data.length) {
      throw new TypeError(`cpu: upload of ${dtype}[${data.length}] into buffer ${storage.id} of ${storage.dtype}[${storage.data.length}]`);
    }
    storage.data.set(data);
  }

  read(storage: CpuStorage, dtype: DType, size: number): Promise<TypedArray> {
    try {
      return Promise.resolve(this.readSync(storage, dtype, size));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** A copy of the first `size` elements, so later kernels cannot change what the caller holds. */
  readSync(storage: CpuStorage, dtype: DType, size: number): TypedArray {
    this.checkLive(storage, 'read');
    if (dtype !== storage.dtype || size > storage.data.length) {
      throw new TypeError(`cpu: read of ${dtype}[${size}] from buffer ${storage.id} of ${storage.dtype}[${storage.data.length}]`);
    }
    return storage.data.slice(0, size);
  }

  flush(): void {}

  /** Drops the buffers kept for reuse. */
  dispose(): void {
    this.pool.clear();
  }

  memory(): BackendMemory {
    let numBytes = 0;
    for (const s of this.live) numBytes += s.data.byteLength;
    return { numBytes, numBuffers: this.live.size };
  }

  /**
   * Bytes in live buffers, bytes kept in the pool for reuse, and the most the two together have
   * ever held (the high-water mark: flat over a training loop once its first step has run).
   */
  footprint(): { liveBytes: number; pooledBytes: number; highWaterBytes: number } {
    return { liveBytes: this.liveBytes, pooledBytes: this.pool.pooledBytes, highWaterBytes: this.highWaterBytes };
  }

  numLiveBuffers(): number {
    return this.live.size;
  }

  private checkLive(storage: CpuStorage, what: string): void {
    if (!this.live.has(storage))
      throw new Error(`cpu: ${what} of buffer ${storage.id}, which is not live: already freed or not from this backend`);
  }
}
