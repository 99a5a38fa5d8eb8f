import type { DType, KernelArgs, KernelName, TensorInfo } from '@peftjs/core';
import type { CpuStorage } from '../storage.js';

/** The argument object of kernel `K` on this backend. */
export type Args<K extends KernelName> = KernelArgs<K, CpuStorage>;

export type Info = TensorInfo<CpuStorage>;

/**
 * A value as it should be written into an array of `dtype`. Typed-array assignment already rounds
 * to float32 and truncates/wraps to int32; only bool needs help (a Uint8Array would keep 2 or 255).
 */
export function storeAs(dtype: DType): (v: number) => number {
  return dtype === 'bool' ? (v) => (v !== 0 ? 1 : 0) : (v) => v;
}
