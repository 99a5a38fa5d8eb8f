import type { DType } from '@peftjs/core';

/** A device buffer of `size` elements: float32 and int32 take 4 bytes, bool 1. */
export interface CudaStorage {
  readonly id: number;
  /** The addon's handle (an index into its buffer table; never a device pointer). */
  readonly handle: number;
  readonly dtype: DType;
  readonly size: number;
}

export const SUPPORTED_DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

export function elementBytes(dtype: DType): number {
  switch (dtype) {
    case 'float32':
    case 'int32':
      return 4;
    case 'bool':
      return 1;
    default:
      throw new TypeError(`cuda: dtype ${dtype} is not supported (float32, int32 and bool are)`);
  }
}
