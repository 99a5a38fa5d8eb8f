import type { TypedArray } from '@peftjs/core';

/** A CPU buffer's elements as the fast kernels index them. */
export type Values = TypedArray;
