import type { DType, TypedArray } from '@peftjs/core';

/** A CPU buffer: a typed array of its dtype (bool is a Uint8Array of 0/1). */
export interface CpuStorage {
  readonly id: number;
  readonly dtype: DType;
  readonly data: TypedArray;
}
