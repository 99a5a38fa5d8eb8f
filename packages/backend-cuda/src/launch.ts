import { UNARY_OPS, ARITHMETIC_OPS, COMPARE_OPS, type DType, type TensorInfo } from '@peftjs/core';
import type { NativeAddon } from './addon.js';
import type { CudaStorage } from './storage.js';

// Mirrors native/addon.cc: per tensor [dtype, rank, offset, shape×8, strides×8], 16 ints, 8 floats.
const MAX_RANK = 8;
const MAX_TENSORS = 10;
const TENSOR_WORDS = 3 + 2 * MAX_RANK;
const INTS_AT = MAX_TENSORS * TENSOR_WORDS;
const FLOATS_AT = INTS_AT + 16;
const META_WORDS = FLOATS_AT + 8;

const DTYPE_CODES: Partial<Record<DType, number>> = { float32: 0, int32: 1, bool: 2 };

export const UNARY_CODES = new Map(UNARY_OPS.map((op, i) => [op, i]));
export const BINARY_CODES = new Map([...ARITHMETIC_OPS, ...COMPARE_OPS].map((op, i) => [op, i]));
export const REDUCE_CODES = { sum: 0, max: 1, min: 2 } as const;

export type Info = TensorInfo<CudaStorage>;

/** Packs a kernel's tensors and attributes into the addon's launch arrays (reused between calls). */
export class Launcher {
  private readonly handles = new Int32Array(MAX_TENSORS);
  private readonly meta = new Float64Array(META_WORDS);
  private readonly ids: Map<string, number>;

  constructor(
    private readonly addon: NativeAddon,
    private readonly check: (storage: CudaStorage, what: string) => void,
  ) {
    this.ids = new Map(addon.kernelNames().map((name, i) => [name, i]));
  }

  /** Runs kernel `name` on `tensors` (null for an absent optional one), with integer and float attributes. */
  launch(name: string, tensors: readonly (Info | null)[], ints: readonly number[] = [], floats: readonly number[] = []): void {
    const id = this.ids.get(name);
    if (id === undefined) throw new Error(`cuda: the addon has no kernel ${name}`);
    this.handles.fill(0);
    this.meta.fill(0);
    tensors.forEach((t, k) => {
      if (!t) return;
      this.check(t.storage, name);
      const { shape, strides, offset } = t.layout;
      if (shape.length > MAX_RANK)
        throw new RangeError(`cuda: ${name}: tensors of rank ${shape.length} are not supported (at most ${MAX_RANK})`);
      const code = DTYPE_CODES[t.dtype];
      if (code === undefined) throw new TypeError(`cuda: ${name}: dtype ${t.dtype} is not supported (float32, int32 and bool are)`);
      this.handles[k] = t.storage.handle;
      const at = k * TENSOR_WORDS;
      this.meta[at] = code;
      this.meta[at + 1] = shape.length;
      this.meta[at + 2] = offset;
      for (let d = 0; d < shape.length; d++) {
        this.meta[at + 3 + d] = shape[d];
        this.meta[at + 3 + MAX_RANK + d] = strides[d];
      }
    });
    ints.forEach((v, j) => (this.meta[INTS_AT + j] = v));
    floats.forEach((v, j) => (this.meta[FLOATS_AT + j] = v));
    this.addon.launch(id, this.handles, this.meta);
  }
}
