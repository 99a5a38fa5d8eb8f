import type { DType } from '@peftjs/core';

/**
 * A GPU buffer holding `size` elements of `dtype`: float32 as f32, int32 as i32 and bool as u32 (0 or
 * 1), 4 bytes each; float16 and bfloat16 packed two to a u32 word (see half.ts).
 */
export interface WebGPUStorage {
  readonly id: number;
  readonly dtype: DType;
  readonly size: number;
  readonly buffer: GPUBuffer;
}

/** Buffer usage and map-mode flags (the GPUBufferUsage/GPUMapMode values, which Node does not define as globals). */
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const MAP_READ = 0x1;

/** The WGSL type each dtype is stored as. */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
    case 'float16':
    case 'bfloat16':
      return 'u32';
    default:
      throw new TypeError(`webgpu: dtype ${dtype} is not supported (float32, float16, bfloat16, int32 and bool are)`);
  }
}
