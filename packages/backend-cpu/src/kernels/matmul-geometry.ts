import type { Layout } from '@peftjs/core';

/**
 * Sizes and strides of a batched matmul, read from the layouts: element A[i, p] of a batch sits at
 * i·aRow + p·aCol from that batch's offset, B[p, j] at p·bRow + j·bCol. A transposed operand is
 * read through swapped strides.
 */
export interface MatmulGeometry {
  readonly rank: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly aRow: number;
  readonly aCol: number;
  readonly bRow: number;
  readonly bCol: number;
}

export function matmulGeometry(a: Layout, b: Layout, transA: boolean, transB: boolean, out: Layout): MatmulGeometry {
  const rank = out.shape.length;
  return {
    rank,
    m: out.shape[rank - 2],
    n: out.shape[rank - 1],
    k: a.shape[transA ? rank - 2 : rank - 1],
    aRow: a.strides[transA ? rank - 1 : rank - 2],
    aCol: a.strides[transA ? rank - 2 : rank - 1],
    bRow: b.strides[transB ? rank - 1 : rank - 2],
    bCol: b.strides[transB ? rank - 2 : rank - 1],
  };
}
