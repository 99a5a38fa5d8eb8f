import type { Tensor } from '@peftjs/core';
import { readMatrices, tensorFromMatrices, tensorFromVectors } from './host.js';
import { svdHost } from './svd-host.js';

export interface SvdOptions {
  /** U (..., m, m) and Vh (..., n, n) when true (PyTorch's default); (..., m, k) and (..., k, n) when false, k = min(m, n). */
  fullMatrices?: boolean;
}

export interface SvdResult {
  U: Tensor;
  /** (..., k) singular values, descending. */
  S: Tensor;
  Vh: Tensor;
}

/**
 * Singular value decomposition A = U diag(S) Vh of a matrix or a batch of matrices (..., m, n), like
 * torch.linalg.svd: computed on the host in float64 (Householder bidiagonalisation and Golub–Kahan
 * QR sweeps, as LAPACK's gesvd; singular values to about 1e-16·σ_max), returned in A's dtype.
 * Singular vectors are defined up to sign (and up to rotations within repeated singular values);
 * the signs chosen here need not match LAPACK's.
 */
export async function svd(a: Tensor, options: SvdOptions = {}): Promise<SvdResult> {
  const { fullMatrices = true } = options;
  const { batchShape, rows: m, cols: n, mats } = await readMatrices(a, 'svd');
  const results = mats.map((mat) => svdHost(mat, m, n, fullMatrices));
  const k = Math.min(m, n);
  const uCols = fullMatrices ? m : k;
  const vRows = fullMatrices ? n : k;
  return {
    U: tensorFromMatrices(
      batchShape,
      m,
      uCols,
      results.map((r) => r.U),
      a.dtype,
    ),
    S: tensorFromVectors(
      batchShape,
      k,
      results.map((r) => r.S),
      a.dtype,
    ),
    Vh: tensorFromMatrices(
      batchShape,
      vRows,
      n,
      results.map((r) => r.Vh),
      a.dtype,
    ),
  };
}

/** The singular values of a matrix or batch (..., m, n), descending (torch.linalg.svdvals). */
export async function svdvals(a: Tensor): Promise<Tensor> {
  const { batchShape, rows: m, cols: n, mats } = await readMatrices(a, 'svdvals');
  return tensorFromVectors(
    batchShape,
    Math.min(m, n),
    mats.map((mat) => svdHost(mat, m, n, false).S),
    a.dtype,
  );
}
