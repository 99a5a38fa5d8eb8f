import { tensor, type Tensor } from '@peftjs/core';
import { formQ, formR, householderQr } from './householder.js';
import { readMatrices, tensorFromMatrices } from './host.js';

export type QrMode = 'reduced' | 'complete' | 'r';

export interface QrResult {
  /** (..., m, k) for 'reduced', (..., m, m) for 'complete', an empty tensor for 'r'. */
  Q: Tensor;
  /** (..., k, n) for 'reduced' and 'r', (..., m, n) for 'complete'. */
  R: Tensor;
}

/**
 * QR decomposition A = Q R of a matrix or a batch of matrices (..., m, n), like torch.linalg.qr
 * (k = min(m, n)): Householder reflections on the host in float64 with LAPACK's sign convention, so
 * Q and R match PyTorch's (R's diagonal may be negative), returned in A's dtype.
 */
export async function qr(a: Tensor, options: { mode?: QrMode } = {}): Promise<QrResult> {
  const { mode = 'reduced' } = options;
  if (mode !== 'reduced' && mode !== 'complete' && mode !== 'r') {
    throw new RangeError(`qr: mode must be 'reduced', 'complete' or 'r', got ${String(mode)}`);
  }
  const { batchShape, rows: m, cols: n, mats } = await readMatrices(a, 'qr');
  const k = Math.min(m, n);
  const factors = mats.map((mat) => householderQr(mat, m, n));
  const rRows = mode === 'complete' ? m : k;
  const R = tensorFromMatrices(
    batchShape,
    rRows,
    n,
    factors.map((h) => formR(h, rRows)),
    a.dtype,
  );
  if (mode === 'r') return { Q: tensor(new Float64Array(0), { shape: [0], dtype: a.dtype }), R };
  const qCols = mode === 'complete' ? m : k;
  return {
    Q: tensorFromMatrices(
      batchShape,
      m,
      qCols,
      factors.map((h) => formQ(h, qCols)),
      a.dtype,
    ),
    R,
  };
}
