import { golubKahanSvd } from './golub-kahan.js';

/** A singular value decomposition on the host: A (m x n) = U diag(S) Vh, everything row-major float64. */
export interface HostSvd {
  /** m x uCols: uCols = m (full) or min(m, n) (reduced). */
  U: Float64Array;
  uCols: number;
  /** min(m, n) singular values, descending. */
  S: Float64Array;
  /** vRows x n: vRows = n (full) or min(m, n) (reduced). */
  Vh: Float64Array;
  vRows: number;
}

/**
 * SVD of a row-major m x n float64 matrix (Golub–Kahan–Reinsch, see golub-kahan.ts): singular values
 * accurate to about ε·σ_max, singular vectors orthonormal to a few ε. Wide matrices go through Aᵀ.
 */
export function svdHost(a: Float64Array, m: number, n: number, fullMatrices: boolean): HostSvd {
  if (m < n) {
    const t = svdHost(transpose(a, m, n), n, m, fullMatrices);
    // Aᵀ = U' S Vh'  =>  A = Vh'ᵀ S U'ᵀ
    return { U: transpose(t.Vh, t.vRows, m), uCols: t.vRows, S: t.S, Vh: transpose(t.U, n, t.uCols), vRows: t.uCols };
  }
  return golubKahanSvd(a, m, n, fullMatrices);
}

/**
 * Fills the columns listed in `missing` (of n columns, each of length len, stored one after another)
 * with unit vectors orthogonal to every other column: the standard basis vector with the largest part
 * outside their span, orthogonalised twice (Gram–Schmidt with re-orthogonalisation).
 */
export function completeBasis(cols: Float64Array, len: number, missing: readonly number[]): void {
  if (missing.length === 0) return;
  const filled = new Set(Array.from({ length: cols.length / len }, (_, j) => j).filter((j) => !missing.includes(j)));
  const x = new Float64Array(len);
  for (const target of missing) {
    let best = -1;
    let bestNorm = -1;
    for (let e = 0; e < len; e++) {
      // ‖e − Σ (u·e) u‖² = 1 − Σ u[e]² for orthonormal u
      let inside = 0;
      for (const j of filled) inside += cols[j * len + e] ** 2;
      if (1 - inside > bestNorm) {
        bestNorm = 1 - inside;
        best = e;
      }
    }
    x.fill(0);
    x[best] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (const j of filled) {
        let dot = 0;
        for (let i = 0; i < len; i++) dot += cols[j * len + i] * x[i];
        for (let i = 0; i < len; i++) x[i] -= dot * cols[j * len + i];
      }
    }
    let norm = 0;
    for (let i = 0; i < len; i++) norm += x[i] * x[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < len; i++) cols[target * len + i] = x[i] / norm;
    filled.add(target);
  }
}

/** Transpose of a row-major rows x cols matrix. */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) t[c * rows + i] = a[i * cols + c];
  return t;
}
