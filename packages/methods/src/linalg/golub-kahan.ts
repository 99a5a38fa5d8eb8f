import type { HostSvd } from './svd-host.js';

const EPS = 2 ** -52;
const TINY = 2 ** -966;

/**
 * SVD by Golub–Kahan–Reinsch: Householder bidiagonalisation A = U_B B V_Bᵀ, then implicitly shifted
 * QR sweeps on the bidiagonal B (with LINPACK's deflation tests), the rotations accumulated into U
 * and V; finally positive singular values, sorted descending. Row-major float64 in and out; U and V
 * are kept column by column while rotating so each rotation reads memory in order. Needs m >= n.
 */
export function golubKahanSvd(input: Float64Array, m: number, n: number, fullMatrices: boolean): HostSvd {
  const a = Float64Array.from(input);
  const s = new Float64Array(n);
  const e = new Float64Array(n);
  const tauLeft = new Float64Array(n);
  const tauRight = new Float64Array(n);
  const w = new Float64Array(Math.max(m, n));

  // bidiagonalisation: column k below the diagonal, then row k right of the superdiagonal
  for (let k = 0; k < n; k++) {
    const [beta, tau] = householder(a, k * n + k, n, m - k);
    s[k] = beta;
    tauLeft[k] = tau;
    if (tau !== 0 && k + 1 < n) {
      // A[k:, k+1:] -= τ v (vᵀ A[k:, k+1:]), v = [1, a[k+1:, k]]
      for (let c = k + 1; c < n; c++) w[c] = a[k * n + c];
      for (let i = k + 1; i < m; i++) {
        const v = a[i * n + k];
        if (v !== 0) for (let c = k + 1; c < n; c++) w[c] += v * a[i * n + c];
      }
      for (let c = k + 1; c < n; c++) a[k * n + c] -= tau * w[c];
      for (let i = k + 1; i < m; i++) {
        const v = tau * a[i * n + k];
        if (v !== 0) for (let c = k + 1; c < n; c++) a[i * n + c] -= v * w[c];
      }
    }
    if (k + 1 < n) {
      const [betaR, tauR] = householder(a, k * n + k + 1, 1, n - k - 1);
      e[k] = betaR;
      tauRight[k] = tauR;
      if (tauR !== 0) {
        // A[k+1:, k+1:] -= τ (A[k+1:, k+1:] v) vᵀ, v = [1, a[k, k+2:]]
        for (let i = k + 1; i < m; i++) {
          const row = i * n;
          let d = a[row + k + 1];
          for (let c = k + 2; c < n; c++) d += a[row + c] * a[k * n + c];
          d *= tauR;
          if (d === 0) continue;
          a[row + k + 1] -= d;
          for (let c = k + 2; c < n; c++) a[row + c] -= d * a[k * n + c];
        }
      }
    }
  }

  // U = H_0 … H_{n−1} (first uCols columns), V = G_0 … G_{n−2}, both stored column by column
  const uCols = fullMatrices ? m : n;
  const U = new Float64Array(m * uCols);
  for (let c = 0; c < uCols; c++) U[c * m + c] = 1;
  const v = new Float64Array(m);
  for (let k = n - 1; k >= 0; k--) {
    const tau = tauLeft[k];
    if (tau === 0) continue;
    v[k] = 1;
    for (let i = k + 1; i < m; i++) v[i] = a[i * n + k];
    // columns left of k are still unit vectors outside the reflector's rows
    for (let c = k; c < uCols; c++) reflectColumn(U, c * m, v, k, m, tau);
  }
  const V = new Float64Array(n * n);
  for (let c = 0; c < n; c++) V[c * n + c] = 1;
  for (let k = n - 2; k >= 0; k--) {
    const tau = tauRight[k];
    if (tau === 0) continue;
    v[k + 1] = 1;
    for (let c = k + 2; c < n; c++) v[c] = a[k * n + c];
    for (let c = k + 1; c < n; c++) reflectColumn(V, c * n, v, k + 1, n, tau);
  }

  diagonalise(s, e, U, m, V, n);

  const Uout = new Float64Array(m * uCols);
  for (let c = 0; c < uCols; c++) for (let i = 0; i < m; i++) Uout[i * uCols + c] = U[c * m + i];
  // V column r, read in order, is row r of Vh
  return { U: Uout, uCols, S: s, Vh: V, vRows: n };
}

/**
 * LAPACK's dlarfg on x = a[start], a[start + stride], … (len entries): overwrites the tail with v (v₀ = 1
 * implied) and returns [β, τ] with (I − τ v vᵀ) x = β e₀, β = −sign(x₀)‖x‖; τ = 0 when the tail is zero.
 */
function householder(a: Float64Array, start: number, stride: number, len: number): [number, number] {
  const alpha = a[start];
  let scale = 0;
  for (let i = 1; i < len; i++) scale = Math.max(scale, Math.abs(a[start + i * stride]));
  if (scale === 0) return [alpha, 0];
  let sum = 0;
  for (let i = 1; i < len; i++) {
    const x = a[start + i * stride] / scale;
    sum += x * x;
  }
  const norm = Math.hypot(alpha, scale * Math.sqrt(sum));
  const beta = alpha >= 0 ? -norm : norm;
  const inv = 1 / (alpha - beta);
  for (let i = 1; i < len; i++) a[start + i * stride] *= inv;
  a[start] = beta;
  return [beta, (beta - alpha) / beta];
}

/** x := (I − τ v vᵀ) x for the column x = mat[off + from … off + len − 1], v[from] = 1. */
function reflectColumn(mat: Float64Array, off: number, v: Float64Array, from: number, len: number, tau: number): void {
  let d = 0;
  for (let i = from; i < len; i++) d += v[i] * mat[off + i];
  d *= tau;
  if (d === 0) return;
  for (let i = from; i < len; i++) mat[off + i] -= d * v[i];
}

/** [x, y] := [c·x + s·y, −s·x + c·y] for columns x and y (each len long) of a column-stored matrix. */
function rotate(mat: Float64Array, len: number, x: number, y: number, c: number, s: number): void {
  const ox = x * len;
  const oy = y * len;
  for (let i = 0; i < len; i++) {
    const p = mat[ox + i];
    const q = mat[oy + i];
    mat[ox + i] = c * p + s * q;
    mat[oy + i] = -s * p + c * q;
  }
}

function swapColumns(mat: Float64Array, len: number, x: number, y: number): void {
  for (let i = 0; i < len; i++) {
    const t = mat[x * len + i];
    mat[x * len + i] = mat[y * len + i];
    mat[y * len + i] = t;
  }
}

/**
 * Drives the bidiagonal (diagonal s, superdiagonal e) to diagonal form with Golub–Kahan QR sweeps
 * (Wilkinson-like shift from the trailing 2x2), deflating negligible entries as LINPACK's dsvdc;
 * accumulates the rotations into U (m rows) and V (n rows), then makes s positive and descending.
 */
function diagonalise(s: Float64Array, e: Float64Array, U: Float64Array, m: number, V: Float64Array, n: number): void {
  let p = n;
  let sweeps = 0;
  const maxSweeps = 75 * Math.max(n, 1);
  while (p > 0) {
    if (sweeps > maxSweeps) throw new Error(`svd: QR sweeps on the bidiagonal did not converge (n = ${n})`);
    // k: the start of the unreduced block that ends at p − 1
    let k: number;
    for (k = p - 2; k >= 0; k--) {
      if (Math.abs(e[k]) <= TINY + EPS * (Math.abs(s[k]) + Math.abs(s[k + 1]))) {
        e[k] = 0;
        break;
      }
    }
    let kase: 'deflateEnd' | 'split' | 'sweep' | 'converged';
    if (k === p - 2) kase = 'converged';
    else {
      let ks: number;
      for (ks = p - 1; ks > k; ks--) {
        const t = (ks !== p ? Math.abs(e[ks]) : 0) + (ks !== k + 1 ? Math.abs(e[ks - 1]) : 0);
        if (Math.abs(s[ks]) <= TINY + EPS * t) {
          s[ks] = 0;
          break;
        }
      }
      if (ks === k) kase = 'sweep';
      else if (ks === p - 1) kase = 'deflateEnd';
      else {
        kase = 'split';
        k = ks;
      }
    }
    k++;

    if (kase === 'deflateEnd') {
      // s[p−1] is negligible: chase e[p−2] up with rotations from the right
      let f = e[p - 2];
      e[p - 2] = 0;
      for (let j = p - 2; j >= k; j--) {
        const t = Math.hypot(s[j], f);
        const cs = s[j] / t;
        const sn = f / t;
        s[j] = t;
        if (j !== k) {
          f = -sn * e[j - 1];
          e[j - 1] = cs * e[j - 1];
        }
        rotate(V, n, j, p - 1, cs, sn);
      }
    } else if (kase === 'split') {
      // s[k−1] is negligible: chase e[k−1] down with rotations from the left
      let f = e[k - 1];
      e[k - 1] = 0;
      for (let j = k; j < p; j++) {
        const t = Math.hypot(s[j], f);
        const cs = s[j] / t;
        const sn = f / t;
        s[j] = t;
        f = -sn * e[j];
        e[j] = cs * e[j];
        rotate(U, m, j, k - 1, cs, sn);
      }
    } else if (kase === 'sweep') {
      const scale = Math.max(Math.abs(s[p - 1]), Math.abs(s[p - 2]), Math.abs(e[p - 2]), Math.abs(s[k]), Math.abs(e[k]));
      const sp = s[p - 1] / scale;
      const spm1 = s[p - 2] / scale;
      const epm1 = e[p - 2] / scale;
      const sk = s[k] / scale;
      const ek = e[k] / scale;
      const b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
      const c = sp * epm1 * (sp * epm1);
      let shift = 0;
      if (b !== 0 || c !== 0) {
        shift = Math.sqrt(b * b + c);
        if (b < 0) shift = -shift;
        shift = c / (b + shift);
      }
      let f = (sk + sp) * (sk - sp) + shift;
      let g = sk * ek;
      for (let j = k; j < p - 1; j++) {
        let t = Math.hypot(f, g);
        let cs = f / t;
        let sn = g / t;
        if (j !== k) e[j - 1] = t;
        f = cs * s[j] + sn * e[j];
        e[j] = cs * e[j] - sn * s[j];
        g = sn * s[j + 1];
        s[j + 1] = cs * s[j + 1];
        rotate(V, n, j, j + 1, cs, sn);
        t = Math.hypot(f, g);
        cs = f / t;
        sn = g / t;
        s[j] = t;
        f = cs * e[j] + sn * s[j + 1];
        s[j + 1] = -sn * e[j] + cs * s[j + 1];
        g = sn * e[j + 1];
        e[j + 1] = cs * e[j + 1];
        rotate(U, m, j, j + 1, cs, sn);
      }
      e[p - 2] = f;
      sweeps++;
    } else {
      // s[k] has converged: make it non-negative and move it into descending order
      if (s[k] <= 0) {
        s[k] = s[k] < 0 ? -s[k] : 0;
        for (let i = 0; i < n; i++) V[k * n + i] = -V[k * n + i];
      }
      while (k < n - 1 && s[k] < s[k + 1]) {
        const t = s[k];
        s[k] = s[k + 1];
        s[k + 1] = t;
        swapColumns(V, n, k, k + 1);
        swapColumns(U, m, k, k + 1);
        k++;
      }
      p--;
    }
  }
}
