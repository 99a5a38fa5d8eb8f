import type { Args } from './args.js';
import { matmulGeometry } from './matmul-geometry.js';
import { ElementOffsets, axesLayout } from './strided.js';

/**
 * out[b, i, j] = Σ_k A[b, i, k] · B[b, k, j], dot products in float64. A transposed operand is
 * read through swapped strides; broadcast batch axes have stride 0.
 */
export function matmul({ a, b, transA, transB, out }: Args<'matmul'>): void {
  const { rank, m, n, k, aRow, aCol, bRow, bCol } = matmulGeometry(a.layout, b.layout, transA, transB, out.layout);
  const aBatch = new ElementOffsets({ ...axesLayout(a.layout, 0, rank - 2), offset: a.layout.offset });
  const bBatch = new ElementOffsets({ ...axesLayout(b.layout, 0, rank - 2), offset: b.layout.offset });

  const ad = a.storage.data;
  const bd = b.storage.data;
  const od = out.storage.data;
  const to = new ElementOffsets(out.layout);
  for (let batch = 0; batch < aBatch.length; batch++) {
    const aStart = aBatch.at(batch);
    const bStart = bBatch.at(batch);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let p = 0; p < k; p++) {
          dot += ad[aStart + i * aRow + p * aCol] * bd[bStart + p * bRow + j * bCol];
        }
        od[to.at((batch * m + i) * n + j)] = dot;
      }
    }
  }
}
