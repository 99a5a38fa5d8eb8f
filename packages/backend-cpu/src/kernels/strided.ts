import { sizeOf, stridedOffsets, type Layout } from '@peftjs/core';

/**
 * Where element j (row-major) of a layout sits in its storage. A layout whose elements lie an even
 * step apart (contiguous: step 1; one broadcast value: step 0) is base + j·step and needs no
 * table; any other gets a table of every index (core's stridedOffsets).
 */
export class ElementOffsets {
  readonly length: number;
  private readonly base: number;
  private readonly step: number;
  private readonly table: Int32Array | null;

  constructor(layout: Layout) {
    this.length = sizeOf(layout.shape);
    const step = evenStep(layout);
    this.base = layout.offset;
    this.step = step ?? 0;
    this.table = step === null ? stridedOffsets(layout) : null;
  }

  /** True when no table was needed. */
  get even(): boolean {
    return this.table === null;
  }

  at(j: number): number {
    return this.table === null ? this.base + j * this.step : this.table[j];
  }
}

/** The step between consecutive elements when it is the same everywhere, else null. */
function evenStep(layout: Layout): number | null {
  const { shape, strides } = layout;
  let step: number | null = null;
  let next = 0; // the stride the next axis out must have to keep the step even
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (step === null) step = strides[d];
    else if (strides[d] !== next) return null;
    next = strides[d] * shape[d];
  }
  return step ?? 1;
}

/** Axes [from, to) of a layout, at offset 0: add its offsets to a base index. */
export function axesLayout(layout: Layout, from: number, to: number): Layout {
  return { shape: layout.shape.slice(from, to), strides: layout.strides.slice(from, to), offset: 0 };
}

/** A layout [..., D] seen as rows of D elements: where each row starts and the step along it. */
export interface Rows {
  readonly count: number;
  readonly length: number;
  readonly starts: Int32Array;
  readonly step: number;
}

export function rowsOf(layout: Layout): Rows {
  const rank = layout.shape.length;
  if (rank === 0) return { count: 1, length: 1, starts: Int32Array.of(layout.offset), step: 0 };
  const starts = stridedOffsets({ ...axesLayout(layout, 0, rank - 1), offset: layout.offset });
  return { count: starts.length, length: layout.shape[rank - 1], starts, step: layout.strides[rank - 1] };
}
