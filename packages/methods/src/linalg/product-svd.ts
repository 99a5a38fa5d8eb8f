import { formQ, formR, householderQr } from './householder.js';
import { svdHost, transpose, type HostSvd } from './svd-host.js';

/**
 * Reduced SVD of the product B·A (B: m x r, A: r x n, row-major float64) without forming it:
 * B = Q_b R_b, Aᵀ = Q_a R_a, SVD of the small core R_b R_aᵀ = U' S V'ᵀ, then U = Q_b U', Vh = V'ᵀ Q_aᵀ.
 * Costs O((m + n) r²) instead of O(m n min(m, n)); k = min(m, n, r) singular triplets come back.
 */
export function productSvd(b: Float64Array, m: number, r: number, a: Float64Array, n: number): HostSvd {
  const qb = householderQr(b, m, r);
  const qa = householderQr(transpose(a, r, n), n, r);
  const kb = qb.k; // min(m, r)
  const ka = qa.k; // min(n, r)
  const rb = formR(qb, kb); // kb x r
  const ra = formR(qa, ka); // ka x r
  const core = new Float64Array(kb * ka); // R_b R_aᵀ
  for (let i = 0; i < kb; i++)
    for (let j = 0; j < ka; j++) {
      let sum = 0;
      for (let t = 0; t < r; t++) sum += rb[i * r + t] * ra[j * r + t];
      core[i * ka + j] = sum;
    }
  const inner = svdHost(core, kb, ka, false); // U' kb x k, Vh' k x ka
  const k = Math.min(kb, ka);
  const Qb = formQ(qb, kb); // m x kb
  const Qa = formQ(qa, ka); // n x ka
  const U = new Float64Array(m * k);
  for (let i = 0; i < m; i++)
    for (let t = 0; t < kb; t++) {
      const q = Qb[i * kb + t];
      if (q === 0) continue;
      for (let c = 0; c < k; c++) U[i * k + c] += q * inner.U[t * inner.uCols + c];
    }
  const Vh = new Float64Array(k * n);
  for (let c = 0; c < k; c++)
    for (let t = 0; t < ka; t++) {
      const v = inner.Vh[c * ka + t];
      if (v === 0) continue;
      for (let j = 0; j < n; j++) Vh[c * n + j] += v * Qa[j * ka + t];
    }
  return { U, uCols: k, S: inner.S, Vh, vRows: k };
}
