import type { DType, TypedArray } from './dtype.js';
import type { KernelName, KernelTable } from './kernels.js';

export interface BackendCapabilities {
  readonly dtypes: readonly DType[];
  /** Whether `readSync` works (CPU yes, WebGPU no). */
  readonly syncRead: boolean;
  /** Whether kernels need contiguous inputs; core then inserts a copy for strided views. */
  readonly requiresContiguous: boolean;
  /** Largest single buffer in bytes. */
  readonly maxBufferSize: number;
  /**
   * Where reads are async, whether out-of-range indices and cross-entropy targets are reported by the
   * next read (the kernel clamps and flags them); core checks them up front only with `syncRead`.
   */
  readonly indexErrorsAtRead?: boolean;
  /** A backend that holds no values (the meta backend of initEmptyWeights): its buffers count no bytes. */
  readonly storesNothing?: boolean;
}

export interface BackendMemory {
  readonly numBytes: number;
  readonly numBuffers: number;
}

/**
 * A backend owns storage and kernels, nothing else. `S` is its storage handle type; core never
 * looks inside it.
 */
export interface Backend<S = unknown> {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  readonly kernels: KernelTable<S>;
  /** Kernels this backend does not provide, with the reason (read and printed by conformance). */
  readonly unsupported?: Partial<Record<KernelName, string>>;
  alloc(dtype: DType, size: number): S;
  free(storage: S): void;
  /** Writes `data` (same dtype and length as the storage) into the storage. */
  upload(storage: S, data: TypedArray): void;
  /** The first `size` elements as a new array the caller owns (never a view of the storage). */
  read(storage: S, dtype: DType, size: number): Promise<TypedArray>;
  readSync?(storage: S, dtype: DType, size: number): TypedArray;
  /** Submits queued work (no-op where work runs eagerly). */
  flush(): void;
  memory(): BackendMemory;
  numLiveBuffers(): number;
  dispose?(): void;
}

export type BackendFactory = () => Backend | Promise<Backend>;
