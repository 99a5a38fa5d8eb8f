import {
  allocArray,
  DTYPES,
  registerBackend,
  setBackend,
  type Backend,
  type DType,
  type KernelTable,
  type TypedArray,
} from '../../src/index.js';

/**
 * A backend that only stores tensors (no kernels): enough for loading, reading back and saving, which
 * is all the safetensors tests do. Core cannot depend on a backend package (they depend on core).
 */
class StorageBackend implements Backend<{ data: TypedArray }> {
  readonly name = 'storage';
  readonly capabilities = { dtypes: DTYPES, syncRead: true, requiresContiguous: true, maxBufferSize: 2 ** 31 - 1 };
  readonly kernels = {} as KernelTable<{ data: TypedArray }>;
  private readonly live = new Set<{ data: TypedArray }>();
  alloc(dtype: DType, size: number) {
    const s = { data: allocArray(dtype, size) };
    this.live.add(s);
    return s;
  }
  free(s: { data: TypedArray }) {
    this.live.delete(s);
  }
  upload(s: { data: TypedArray }, data: TypedArray) {
    s.data.set(data);
  }
  read(s: { data: TypedArray }, _dtype: DType, size: number) {
    return Promise.resolve(s.data.slice(0, size));
  }
  readSync(s: { data: TypedArray }, _dtype: DType, size: number) {
    return s.data.slice(0, size);
  }
  flush() {}
  memory() {
    return { numBytes: [...this.live].reduce((n, s) => n + s.data.byteLength, 0), numBuffers: this.live.size };
  }
  numLiveBuffers() {
    return this.live.size;
  }
}

export async function useStorageBackend(): Promise<void> {
  registerBackend('storage', () => new StorageBackend(), 0);
  await setBackend('storage');
}
