import { layoutSize, type KernelArgs, type KernelName, type TensorInfo } from '@peftjs/core';
import { Params, type LayoutSlot } from '../params.js';
import type { ProgramRunner } from '../program.js';
import { offsetFn } from '../shader.js';
import type { WebGPUStorage } from '../storage.js';

/** The argument object of kernel `K` on this backend. */
export type Args<K extends KernelName> = KernelArgs<K, WebGPUStorage>;
export type Info = TensorInfo<WebGPUStorage>;
export type Gpu = ProgramRunner;

export function sizeOfInfo(t: Info): number {
  return layoutSize(t.layout);
}

/** A tensor [..., D] as rows: where row r starts (an offset function over the leading axes) and the step along it. */
export interface RowSlot {
  readonly starts: LayoutSlot;
  readonly step: number;
}

export function rowSlot(p: Params, t: Info): RowSlot {
  const rank = t.layout.shape.length;
  if (rank === 0) return { starts: p.layout(t.layout, 0, 0), step: p.i(0) };
  return { starts: p.layout(t.layout, 0, rank - 1), step: p.i(t.layout.strides[rank - 1]) };
}

/** WGSL: `fn <name>(r: u32, k: u32) -> u32`, the index of element k of row r. */
export function rowIndexFn(name: string, slot: RowSlot): string {
  return `${offsetFn(`${name}Start`, slot.starts)}
fn ${name}(r: u32, k: u32) -> u32 { return u32(i32(${name}Start(r)) + i32(k) * pi(${slot.step}u)); }`;
}

/** Rows and row length of a [..., D] tensor (a 0-d tensor is one row of one). */
export function rowsOf(t: Info): { rows: number; length: number } {
  const shape = t.layout.shape;
  const length = shape.length === 0 ? 1 : shape[shape.length - 1];
  const size = layoutSize(t.layout);
  return { rows: length === 0 ? 0 : size / length, length };
}

export { Params };
