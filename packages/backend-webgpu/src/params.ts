import type { Layout } from '@peftjs/core';

/** Where a layout's words sit in the parameter block: offset, then rank shape words, then rank strides. */
export interface LayoutSlot {
  readonly rank: number;
  readonly offset: number;
  readonly shape: number;
  readonly strides: number;
}

/**
 * The uniforms of one dispatch: 32-bit words (u32, i32 or f32 bits). Shapes, strides and sizes
 * travel here, so a pipeline depends only on ranks and dtypes. Each push returns the word index the
 * shader reads it from.
 */
export class Params {
  private readonly words: number[] = [];
  private readonly f32 = new Float32Array(1);
  private readonly bits = new Uint32Array(this.f32.buffer);

  u(v: number): number {
    this.words.push(v >>> 0);
    return this.words.length - 1;
  }

  i(v: number): number {
    this.words.push(v | 0);
    return this.words.length - 1;
  }

  f(v: number): number {
    this.f32[0] = v;
    return this.u(this.bits[0]);
  }

  layout(l: Layout, from = 0, to = l.shape.length): LayoutSlot {
    const offset = this.i(l.offset);
    const shape = this.words.length;
    for (let d = from; d < to; d++) this.u(l.shape[d]);
    const strides = this.words.length;
    for (let d = from; d < to; d++) this.i(l.strides[d]);
    return { rank: to - from, offset, shape, strides };
  }

  /** Number of vec4<u32> in the uniform array (at least one). */
  get vec4s(): number {
    return Math.max(1, Math.ceil(this.words.length / 4));
  }

  data(): Uint32Array<ArrayBuffer> {
    const out = new Uint32Array(this.vec4s * 4);
    for (let k = 0; k < this.words.length; k++) out[k] = this.words[k];
    return out;
  }
}
