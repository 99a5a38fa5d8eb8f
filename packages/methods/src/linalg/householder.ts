/**
 * Householder QR on the host in float64, with LAPACK's sign convention (dgeqrf / dlarfg), so Q and R
 * come out as PyTorch's torch.linalg.qr gives them: H_j = I − τ_j v_j v_jᵀ with v_j[j] = 1, and
 * R[j][j] = −sign(a_jj)·‖a_j:m,j‖ (τ = 0 and R[j][j] = a_jj where the column below is already zero).
 */
export interface HouseholderQr {
  m: number;
  n: number;
  /** min(m, n): the number of reflectors. */
  k: number;
  /** m x n row-major: R on and above the diagonal, the reflector tails v_j[j+1:] below it. */
  packed: Float64Array;
  tau: Float64Array;
}

export function householderQr(a: Float64Array, m: number, n: number): HouseholderQr {
  const packed = Float64Array.from(a);
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  const s = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    const alpha = packed[j * n + j];
    const below = columnNorm(packed, n, j, j + 1, m);
    if (below === 0) continue; // H_j = I
    const beta = alpha >= 0 ? -Math.hypot(alpha, below) : Math.hypot(alpha, below);
    tau[j] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) packed[i * n + j] *= scale;
    packed[j * n + j] = beta;
    // trailing columns: A[j:, c] -= τ v (vᵀ A[j:, c]), row by row so memory is read in order
    if (j + 1 >= n) continue;
    for (let c = j + 1; c < n; c++) s[c] = packed[j * n + c];
    for (let i = j + 1; i < m; i++) {
      const v = packed[i * n + j];
      if (v === 0) continue;
      const row = i * n;
      for (let c = j + 1; c < n; c++) s[c] += v * packed[row + c];
    }
    const t = tau[j];
    for (let c = j + 1; c < n; c++) packed[j * n + c] -= t * s[c];
    for (let i = j + 1; i < m; i++) {
      const v = t * packed[i * n + j];
      if (v === 0) continue;
      const row = i * n;
      for (let c = j + 1; c < n; c++) packed[row + c] -= v * s[c];
    }
  }
  return { m, n, k, packed, tau };
}

/** x (m x cols, row-major) := Q x, where Q = H_1 H_2 ... H_k. In place. */
export function applyQ(h: HouseholderQr, x: Float64Array, cols: number): void {
  const { m, n, packed, tau } = h;
  const s = new Float64Array(cols);
  for (let j = h.k - 1; j >= 0; j--) {
    const t = tau[j];
    if (t === 0) continue;
    s.set(x.subarray(j * cols, (j + 1) * cols));
    for (let i = j + 1; i < m; i++) {
      const v = packed[i * n + j];
      if (v === 0) continue;
      const row = i * cols;
      for (let c = 0; c < cols; c++) s[c] += v * x[row + c];
    }
    for (let c = 0; c < cols; c++) x[j * cols + c] -= t * s[c];
    for (let i = j + 1; i < m; i++) {
      const v = t * packed[i * n + j];
      if (v === 0) continue;
      const row = i * cols;
      for (let c = 0; c < cols; c++) x[row + c] -= v * s[c];
    }
  }
}

/** The first `cols` columns of Q (m x cols, row-major): cols = k for the reduced Q, m for the complete one. */
export function formQ(h: HouseholderQr, cols: number): Float64Array {
  const q = new Float64Array(h.m * cols);
  for (let i = 0; i < Math.min(h.m, cols); i++) q[i * cols + i] = 1;
  applyQ(h, q, cols);
  return q;
}

/** R (rows x n, row-major): the upper triangle of the first `rows` rows of the packed factor (zeros below). */
export function formR(h: HouseholderQr, rows: number): Float64Array {
  const { n, packed } = h;
  const r = new Float64Array(rows * n);
  for (let i = 0; i < Math.min(rows, h.m); i++) {
    for (let c = i; c < n; c++) r[i * n + c] = packed[i * n + c];
  }
  return r;
}

/** ‖a[from:to, col]‖ without overflow or underflow (scaled sum of squares). */
function columnNorm(a: Float64Array, n: number, col: number, from: number, to: number): number {
  let scale = 0;
  for (let i = from; i < to; i++) scale = Math.max(scale, Math.abs(a[i * n + col]));
  if (scale === 0) return 0;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const v = a[i * n + col] / scale;
    sum += v * v;
  }
  return scale * Math.sqrt(sum);
}
