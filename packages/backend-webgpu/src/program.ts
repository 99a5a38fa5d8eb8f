import type { DescribeBadIndex, ExtraBindings } from './index-checks.js';
import type { Params } from './params.js';
import { header } from './shader.js';
import type { WebGPUStorage } from './storage.js';

/**
 * One dispatch, described: the pipeline is cached under `key` (name, ranks, dtypes, flags: never
 * sizes), `shader` gives the WGSL body on a cache miss, `buffers` fill bindings 1.. in order and
 * `params` binding 0. `workgroups` is a count (folded into 2-D when it passes the per-dimension
 * limit) or explicit [x, y, z].
 */
export interface Program {
  readonly name: string;
  readonly key: string;
  readonly shader: () => string;
  readonly buffers: readonly (WebGPUStorage | GPUBuffer)[];
  readonly params: Params;
  readonly workgroups: number | readonly [number, number, number];
}

/** Runs programs; implemented by the backend (pipeline cache, batching, uniforms). */
export interface ProgramRunner {
  readonly device: GPUDevice;
  run(program: Program): void;
  /** A scratch storage buffer of `size` 4-byte elements, released with `releaseScratch` after its last use is recorded. */
  scratch(size: number): GPUBuffer;
  releaseScratch(buffer: GPUBuffer): void;
  /**
   * A status slot for a dispatch that reads indices: the kernel calls `reportBadIndex(value)` for a
   * value out of range (and reads a safe one instead); the backend raises `describe(value)` at the next read.
   */
  checkIndices(p: Params, describe: DescribeBadIndex): ExtraBindings;
}

export function fullShader(program: Program): string {
  return header(program.params.vec4s) + program.shader();
}
