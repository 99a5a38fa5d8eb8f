import { float32ToBfloat16Bits } from '@peftjs/core';
import type { NativeAddon } from './addon.js';

export type GemmFormat = 'float32' | 'tf32' | 'bfloat16';
/** fastest: tensor cores where the GPU and the shape allow, else the tiled kernel; portable: the tiled kernel; cublas: cuBLAS. */
export type GemmPath = 'fastest' | 'portable' | 'cublas';
export type GemmKernel = 'tensor-cores' | 'portable' | 'cublas';

const FORMATS: Record<GemmFormat, number> = { float32: 0, tf32: 1, bfloat16: 2 };
const PATHS: Record<GemmPath, number> = { fastest: 0, portable: 1, cublas: 2 };
const KERNELS: readonly GemmKernel[] = ['tensor-cores', 'portable', 'cublas'];

/**
 * One C = A·B on the device with its operands uploaded once, for benchmarks and for comparing the
 * tensor-core kernel with its portable twin: row-major A [m, k], B [k, n] (stored as bfloat16 for
 * that format), float32 C [m, n]. The buffers are the runner's own; `dispose()` frees them.
 */
export class GemmRunner {
  private readonly a: number;
  private readonly b: number;
  private readonly c: number;
  private disposed = false;

  constructor(
    private readonly addon: NativeAddon,
    readonly format: GemmFormat,
    readonly m: number,
    readonly n: number,
    readonly k: number,
    a: Float32Array,
    b: Float32Array,
  ) {
    if (a.length !== m * k || b.length !== k * n) {
      throw new RangeError(`cuda: gemm: A must have ${m}×${k} values and B ${k}×${n}, got ${a.length} and ${b.length}`);
    }
    const stored = (v: Float32Array) => (format === 'bfloat16' ? float32ToBfloat16Bits(v) : v);
    const width = format === 'bfloat16' ? 2 : 4;
    this.a = addon.alloc(m * k * width);
    this.b = addon.alloc(k * n * width);
    this.c = addon.alloc(m * n * 4);
    addon.upload(this.a, stored(a));
    addon.upload(this.b, stored(b));
  }

  /** Queues one product; returns the kernel that ran. */
  run(path: GemmPath = 'fastest'): GemmKernel {
    if (this.disposed) throw new Error('cuda: gemm: run after dispose');
    const ran = this.addon.gemm(FORMATS[this.format], this.m, this.n, this.k, this.a, this.b, this.c, PATHS[path]);
    return KERNELS[ran];
  }

  /** Waits for every queued product. */
  synchronize(): void {
    this.addon.synchronize();
  }

  async read(): Promise<Float32Array> {
    const { data } = await this.addon.read(this.c, this.m * this.n * 4);
    return new Float32Array(data);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const h of [this.a, this.b, this.c]) this.addon.free(h);
  }
}
