import { arrayDType, type Backend, type BackendCapabilities, type BackendMemory, type DType, type TypedArray } from '@peftjs/core';
import { CudaUnavailableError, loadAddon, type AddonKind, type NativeAddon } from './addon.js';
import { statusError } from './index-errors.js';
import { GemmRunner, type GemmFormat } from './gemm.js';
import { makeKernels, type CudaKernels } from './kernels/index.js';
import { Launcher } from './launch.js';
import { elementBytes, SUPPORTED_DTYPES, type CudaStorage } from './storage.js';

export interface CudaBackendOptions {
  /**
   * Run the same kernels compiled as host C++ (blocks in sequence, threads as fibers) on host
   * memory: slow, for checking kernels on machines without a GPU. Default false.
   */
  emulated?: boolean;
  /** float32 matmul on TF32 tensor cores where cuBLAS has them (default false: exact float32). */
  allowTF32?: boolean;
  /** A cuBLAS library to load instead of searching the usual names (also PEFTJS_CUBLAS_PATH). */
  cublasPath?: string;
  /** Use the project's GEMM even where cuBLAS is found (default false). */
  ownGemm?: boolean;
}

export interface CudaDeviceInfo {
  readonly device: string;
  readonly emulated: boolean;
  /** Which GEMM float32 matmuls use, and why. */
  readonly gemm: string;
}

/**
 * Kernels in CUDA C++ on device 0, all on one stream: launches and uploads are queued, reads wait on
 * a worker thread so the event loop never blocks. Storage comes from a caching allocator.
 * float32, int32 and bool are supported. Out-of-range indices found by the kernels are reported by
 * the next read.
 */
export class CudaBackend implements Backend<CudaStorage> {
  readonly name: string;
  readonly capabilities: BackendCapabilities = {
    dtypes: SUPPORTED_DTYPES,
    syncRead: false,
    requiresContiguous: false,
    maxBufferSize: 2 ** 31 - 1,
    indexErrorsAtRead: true,
  };
  readonly kernels: CudaKernels;
  readonly info: CudaDeviceInfo;

  private readonly addon: NativeAddon;
  private readonly live = new Set<CudaStorage>();
  private liveBytes = 0;
  private nextId = 1;
  private disposed = false;

  /** Throws a CudaUnavailableError ("cuda: no CUDA device: ...") where the addon or the device is missing. */
  constructor(options: CudaBackendOptions = {}) {
    const kind: AddonKind = options.emulated ? 'emulated' : 'cuda';
    this.name = options.emulated ? 'cuda-emulated' : 'cuda';
    this.addon = loadAddon(kind);
    let started: ReturnType<NativeAddon['init']>;
    try {
      started = this.addon.init();
    } catch (err) {
      throw new CudaUnavailableError(err instanceof Error ? err.message : String(err));
    }
    if (options.cublasPath) this.addon.loadCublas(options.cublasPath);
    this.addon.preferOwnGemm(options.ownGemm ?? false);
    this.addon.setMathMode(options.allowTF32 ? 1 : 0);
    this.info = { device: started.device, emulated: started.emulated, gemm: this.addon.gemmProvider() };
    this.kernels = makeKernels(new Launcher(this.addon, (s, what) => this.checkLive(s, what)));
  }

  alloc(dtype: DType, size: number): CudaStorage {
    this.checkOpen('alloc');
    const bytes = elementBytes(dtype) * size;
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`cuda: buffer size must be a non-negative integer, got ${size}`);
    if (size > this.capabilities.maxBufferSize) {
      throw new RangeError(`cuda: cannot allocate ${dtype}[${size}]: at most ${this.capabilities.maxBufferSize} elements a buffer`);
    }
    const handle = this.addon.alloc(bytes);
    const storage: CudaStorage = { id: this.nextId++, handle, dtype, size };
    this.live.add(storage);
    this.liveBytes += bytes;
    return storage;
  }

  free(storage: CudaStorage): void {
    if (!this.live.delete(storage)) {
      throw new Error(
        `cuda: free of buffer ${storage.id} (${storage.dtype}[${storage.size}]), which is not live: already freed or not from this backend`,
      );
    }
    this.liveBytes -= elementBytes(storage.dtype) * storage.size;
    this.addon.free(storage.handle);
  }

  upload(storage: CudaStorage, data: TypedArray): void {
    this.checkLive(storage, 'upload');
    const dtype = arrayDType(data);
    if (dtype !== storage.dtype || data.length !== storage.size) {
      throw new TypeError(`cuda: upload of ${dtype}[${data.length}] into buffer ${storage.id} of ${storage.dtype}[${storage.size}]`);
    }
    this.addon.upload(storage.handle, data);
  }

  async read(storage: CudaStorage, dtype: DType, size: number): Promise<TypedArray> {
    this.checkLive(storage, 'read');
    if (dtype !== storage.dtype || size > storage.size) {
      throw new TypeError(`cuda: read of ${dtype}[${size}] from buffer ${storage.id} of ${storage.dtype}[${storage.size}]`);
    }
    const { data, status } = await this.addon.read(storage.handle, size * elementBytes(dtype));
    const error = statusError(status);
    if (error) throw error;
    return dtype === 'float32' ? new Float32Array(data) : dtype === 'int32' ? new Int32Array(data) : new Uint8Array(data);
  }

  /** Work is queued on the stream as it is launched; nothing is held back. */
  flush(): void {}

  memory(): BackendMemory {
    return { numBytes: this.liveBytes, numBuffers: this.live.size };
  }

  numLiveBuffers(): number {
    return this.live.size;
  }

  /** The allocator's view: bytes in live blocks and bytes cached for reuse (all backends on this addon). */
  allocatorStats(): { usedBytes: number; cachedBytes: number; blocks: number } {
    return this.addon.memory();
  }

  /** A direct GEMM on row-major operands uploaded once (benchmarks; the tensor-core kernel against its twin). */
  gemm(format: GemmFormat, m: number, n: number, k: number, a: Float32Array, b: Float32Array): GemmRunner {
    this.checkOpen('gemm');
    return new GemmRunner(this.addon, format, m, n, k, a, b);
  }

  /** Returns cached device memory to the driver. */
  emptyCache(): void {
    this.addon.emptyCache();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.live) this.addon.free(s.handle);
    this.live.clear();
    this.liveBytes = 0;
  }

  private checkOpen(what: string): void {
    if (this.disposed) throw new Error(`cuda: ${what} after the backend was disposed`);
  }

  private checkLive(storage: CudaStorage, what: string): void {
    this.checkOpen(what);
    if (!this.live.has(storage))
      throw new Error(`cuda: ${what} of buffer ${storage.id}, which is not live: already freed or not from this backend`);
  }
}
