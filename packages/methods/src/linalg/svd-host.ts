import { applyQ, householderQr } from './householder.js';

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

const MAX_SWEEPS = 100;

/**
 * SVD by one-sided Jacobi (Hestenes) rotations, after a Householder QR when the matrix is tall: the
 * rotations orthogonalise the columns of R (A's columns when square) until every pair satisfies
 * |wp·wq| <= n·ε·‖wp‖‖wq‖, so the singular vectors are orthonormal to about n·ε and small singular
 * values keep their relative accuracy. Wide matrices are handled through Aᵀ.
 */
export function svdHost(a: Float64Array, m: number, n: number, fullMatrices: boolean): HostSvd {
  if (m < n) {
    const t = svdHost(transpose(a, m, n), n, m, fullMatrices);
    // Aᵀ = U' S Vh'  =>  A = Vh'ᵀ S U'ᵀ
    return { U: transpose(t.Vh, t.vRows, m), uCols: t.vRows, S: t.S, Vh: transpose(t.U, n, t.uCols), vRows: t.uCols };
  }
  // m >= n
  const qr = m > n ? householderQr(a, m, n) : null;
  // the n x n matrix whose columns are rotated: R of the QR, or A itself when square
  const cols = columnsOf(qr ? upperTriangle(qr.packed, n) : a, n, n);
  const { S, V, Uc } = jacobi(cols, n);

  const uCols = fullMatrices ? m : n;
  const U = new Float64Array(m * uCols);
  for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) U[i * uCols + c] = Uc[c * n + i];
  if (qr) {
    for (let i = n; i < uCols; i++) U[i * uCols + i] = 1; // Q_full · diag(U_R, I)
    applyQ(qr, U, uCols);
  }
  // V holds the right singular vectors one after another: read row-major, that is Vh
  return { U, uCols, S, Vh: V, vRows: n };
}

/**
 * Rotates the n columns (each of length n, stored one after another) to mutual orthogonality.
 * Returns the singular values (descending), V's columns and U's columns in that order (flat, n x n each).
 */
function jacobi(w: Float64Array, n: number): { S: Float64Array; V: Float64Array; Uc: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const tol = Math.max(n, 1) * Number.EPSILON;
  let sweep = 0;
  for (let rotated = true; rotated; sweep++) {
    if (sweep >= MAX_SWEEPS) throw new Error(`svd: Jacobi rotations did not converge in ${MAX_SWEEPS} sweeps (n = ${n})`);
    rotated = false;
    for (let p = 0; p < n - 1; p++) {
      const op = p * n;
      for (let q = p + 1; q < n; q++) {
        const oq = q * n;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < n; i++) {
          const x = w[op + i];
          const y = w[oq + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(1, zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(w, op, oq, n, c, s);
        rotate(v, op, oq, n, c, s);
      }
    }
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += w[j * n + i] * w[j * n + i];
    norms[j] = Math.sqrt(sum);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x] || x - y);
  const S = new Float64Array(n);
  const V = new Float64Array(n * n);
  const Uc = new Float64Array(n * n);
  const missing: number[] = [];
  order.forEach((j, r) => {
    S[r] = norms[j];
    V.set(v.subarray(j * n, (j + 1) * n), r * n);
    if (norms[j] === 0) missing.push(r);
    else for (let i = 0; i < n; i++) Uc[r * n + i] = w[j * n + i] / norms[j];
  });
  completeBasis(Uc, n, missing);
  return { S, V, Uc };
}

/** [wp, wq] := [c·wp − s·wq, s·wp + c·wq] for the columns at offsets op and oq. */
function rotate(w: Float64Array, op: number, oq: number, n: number, c: number, s: number): void {
  for (let i = 0; i < n; i++) {
    const x = w[op + i];
    const y = w[oq + i];
    w[op + i] = c * x - s * y;
    w[oq + i] = s * x + c * y;
  }
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

/** The n x n upper triangle of a packed m x n QR factor (row-major). */
function upperTriangle(packed: Float64Array, n: number): Float64Array {
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let c = i; c < n; c++) r[i * n + c] = packed[i * n + c];
  return r;
}

/** The columns of a row-major rows x cols matrix, one after another. */
function columnsOf(a: Float64Array, rows: number, cols: number): Float64Array {
  return transpose(a, rows, cols);
}

/** Transpose of a row-major rows x cols matrix. */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) t[c * rows + i] = a[i * cols + c];
  return t;
}
