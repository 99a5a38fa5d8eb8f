import { allocArray, type DType, type TypedArray } from '@peftjs/core';

/**
 * Freed arrays kept for reuse by size and dtype, up to `maxBytes` in all. A training step frees
 * and allocates the same sizes every time; reusing them spares the engine the zeroing of fresh
 * memory, its first-touch page faults and the garbage collection of large buffers. A reused array
 * is zeroed again, so callers see exactly what a fresh allocation gives.
 */
export class BufferPool {
  private readonly free = new Map<string, TypedArray[]>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  take(dtype: DType, size: number): TypedArray {
    const list = this.free.get(key(dtype, size));
    const reused = list?.pop();
    if (!reused) return allocArray(dtype, size);
    this.bytes -= reused.byteLength;
    return reused.fill(0);
  }

  give(dtype: DType, data: TypedArray): void {
    if (data.length === 0 || this.bytes + data.byteLength > this.maxBytes) return;
    const k = key(dtype, data.length);
    const list = this.free.get(k);
    if (list) list.push(data);
    else this.free.set(k, [data]);
    this.bytes += data.byteLength;
  }

  /** Bytes held for reuse (not counted as live memory). */
  get pooledBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.free.clear();
    this.bytes = 0;
  }
}

function key(dtype: DType, size: number): string {
  return `${dtype}:${size}`;
}
