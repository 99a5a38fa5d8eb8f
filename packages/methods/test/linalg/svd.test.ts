import '@peftjs/backend-cpu';
import { dispose, memory, setBackend, tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { qr, svd, svdvals } from '../../src/linalg/index.js';
import { diag, fromRows, identity, matmul, matTensor, maxAbs, maxAbsDiff, randomMat, toMat, transpose, type Mat } from './host-math.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Checks A = U diag(S) Vh, orthonormal U and Vh, S descending and non-negative; returns S. */
async function checkSvd(a: Mat, fullMatrices: boolean, tol = 1e-13): Promise<Float64Array> {
  const before = memory().numTensors;
  const t = matTensor(a);
  const { U, S, Vh } = await svd(t, { fullMatrices });
  const k = Math.min(a.rows, a.cols);
  expect(U.shape).toEqual([a.rows, fullMatrices ? a.rows : k]);
  expect(S.shape).toEqual([k]);
  expect(Vh.shape).toEqual([fullMatrices ? a.cols : k, a.cols]);
  expect(U.dtype).toBe('float64');
  const [u, vh, s] = [await toMat(U), await toMat(Vh), Float64Array.from(await S.data())];
  const scale = Math.max(maxAbs(a), 1);
  expect(maxAbsDiff(matmul(matmul(u, diag(s, u.cols, vh.rows)), vh), a)).toBeLessThan(tol * scale);
  expect(maxAbsDiff(matmul(transpose(u), u), identity(u.cols))).toBeLessThan(tol);
  expect(maxAbsDiff(matmul(vh, transpose(vh)), identity(vh.rows))).toBeLessThan(tol);
  // ‖A‖_F² = Σ σᵢ²
  const frob = a.data.reduce((acc, x) => acc + x * x, 0);
  expect(Math.abs(s.reduce((acc, x) => acc + x * x, 0) - frob)).toBeLessThanOrEqual(tol * Math.max(frob, 1));
  for (let i = 0; i < k; i++) {
    expect(s[i]).toBeGreaterThanOrEqual(0);
    if (i > 0) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
  }
  dispose([t, U, S, Vh]);
  expect(memory().numTensors).toBe(before);
  return s;
}

describe('svd', () => {
  it('matches hand-computed singular values', async () => {
    // [[3,0],[4,5]]: AᵀA = [[25,20],[20,25]], eigenvalues 45 and 5
    const s1 = await checkSvd(
      fromRows([
        [3, 0],
        [4, 5],
      ]),
      true,
    );
    expect(s1[0]).toBeCloseTo(Math.sqrt(45), 14);
    expect(s1[1]).toBeCloseTo(Math.sqrt(5), 14);
    // [[1,2],[3,4],[5,6]]: AᵀA = [[35,44],[44,56]], eigenvalues (91 ± √8185)/2
    const s2 = await checkSvd(
      fromRows([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      false,
    );
    expect(s2[0]).toBeCloseTo(Math.sqrt((91 + Math.sqrt(8185)) / 2), 13);
    expect(s2[1]).toBeCloseTo(Math.sqrt((91 - Math.sqrt(8185)) / 2), 13);
    // a diagonal matrix with a negative entry: singular values are the sorted magnitudes
    const s3 = await checkSvd(
      fromRows([
        [2, 0, 0],
        [0, -3, 0],
        [0, 0, 0.5],
      ]),
      true,
    );
    expect([...s3]).toEqual([3, 2, 0.5]);
  });

  it('recovers prescribed singular values from Q₁ diag(σ) Q₂ᵀ (orthogonal factors from qr)', async () => {
    const sigma = [10, 5, 1, 1e-3, 1e-8, 0];
    const [q1, q2] = await Promise.all(
      [randomMat(9, 6, 21), randomMat(7, 6, 22)].map(async (m) => {
        const t = matTensor(m);
        const { Q, R } = await qr(t);
        const q = await toMat(Q);
        dispose([t, Q, R]);
        return q;
      }),
    );
    const a = matmul(matmul(q1, diag(sigma, 6, 6)), transpose(q2)); // 9 x 7, rank 5
    for (const full of [true, false]) {
      const s = await checkSvd(a, full);
      sigma.forEach((want, i) => expect(Math.abs(s[i] - want)).toBeLessThan(1e-14 * 10));
    }
    const s = await checkSvd(transpose(a), true);
    sigma.forEach((want, i) => expect(Math.abs(s[i] - want)).toBeLessThan(1e-14 * 10));
  });

  it('gives the singular vectors of a rank-one matrix', async () => {
    // u vᵀ with u = [1,2,2]/3, v = [0.6, 0.8], scaled by 6
    const a = fromRows([
      [1.2, 1.6],
      [2.4, 3.2],
      [2.4, 3.2],
    ]);
    const s = await checkSvd(a, true);
    expect(s[0]).toBeCloseTo(6, 14);
    expect(Math.abs(s[1])).toBeLessThan(1e-15);
    const { U, Vh, S } = await svd(matTensor(a), { fullMatrices: false });
    const [u, vh] = [await toMat(U), await toMat(Vh)];
    const sign = Math.sign(u.data[0]);
    [1 / 3, 2 / 3, 2 / 3].forEach((x, i) => expect(u.data[i * 2] * sign).toBeCloseTo(x, 14));
    [0.6, 0.8].forEach((x, i) => expect(vh.data[i] * sign).toBeCloseTo(x, 14));
    dispose([U, Vh, S]);
  });

  it('reconstructs tall, wide, square, vector, rank-deficient and zero matrices (full and reduced)', async () => {
    const rankTwo = matmul(randomMat(7, 2, 5), randomMat(2, 5, 6));
    const cases: Mat[] = [
      randomMat(9, 4, 1),
      randomMat(4, 9, 2),
      randomMat(6, 6, 3),
      randomMat(1, 5, 4),
      randomMat(5, 1, 7),
      randomMat(70, 45, 9),
      randomMat(33, 80, 10),
      rankTwo,
      transpose(rankTwo),
      { rows: 3, cols: 4, data: new Float64Array(12) },
      randomMat(40, 25, 8),
      fromRows([[-2]]),
      identity(4),
    ];
    for (const a of cases) {
      for (const full of [true, false]) await checkSvd(a, full);
    }
    const s = await checkSvd(rankTwo, true);
    expect(s[2] / s[0]).toBeLessThan(1e-15);
  });

  it('keeps duplicated singular values and orthonormal vectors for them', async () => {
    // an orthogonal matrix times 2: every singular value is 2
    const c = Math.cos(0.3);
    const sn = Math.sin(0.3);
    const s = await checkSvd(
      fromRows([
        [2 * c, -2 * sn, 0],
        [2 * sn, 2 * c, 0],
        [0, 0, 2],
      ]),
      true,
    );
    for (const v of s) expect(v).toBeCloseTo(2, 14);
  });

  it('handles batches and returns float32 for float32 input', async () => {
    const a = randomMat(2 * 3 * 4, 5, 11);
    const t = tensor(a.data, { shape: [2, 3, 4, 5], dtype: 'float32' });
    const { U, S, Vh } = await svd(t, { fullMatrices: false });
    expect(U.shape).toEqual([2, 3, 4, 4]);
    expect(S.shape).toEqual([2, 3, 4]);
    expect(Vh.shape).toEqual([2, 3, 4, 5]);
    expect([U.dtype, S.dtype, Vh.dtype]).toEqual(['float32', 'float32', 'float32']);
    const [u, s, vh, x] = [await U.data(), await S.data(), await Vh.data(), await t.data()];
    for (let b = 0; b < 6; b++) {
      const mat = (data: ArrayLike<number>, rows: number, cols: number, off: number): Mat => ({
        rows,
        cols,
        data: Float64Array.from({ length: rows * cols }, (_, i) => data[off + i]),
      });
      const rebuilt = matmul(matmul(mat(u, 4, 4, b * 16), diag(mat(s, 1, 4, b * 4).data, 4, 4)), mat(vh, 4, 5, b * 20));
      expect(maxAbsDiff(rebuilt, mat(x, 4, 5, b * 20))).toBeLessThan(1e-6);
    }
    const vals = await svdvals(t);
    expect(vals.shape).toEqual([2, 3, 4]);
    expect(
      maxAbsDiff({ rows: 1, cols: 24, data: Float64Array.from(await vals.data()) }, { rows: 1, cols: 24, data: Float64Array.from(s) }),
    ).toBe(0);
    dispose([t, U, S, Vh, vals]);
  });

  it('rejects bad input clearly', async () => {
    const v = tensor([1, 2, 3]);
    await expect(svd(v)).rejects.toThrow('svd: A must have at least 2 dimensions (..., m, n), got [3]');
    const i = tensor([[1, 2]], { dtype: 'int32' });
    await expect(svd(i)).rejects.toThrow('svd: A must be float32 or float64, got int32 [1,2]');
    const n = tensor([[1, Number.NaN]]);
    await expect(svd(n)).rejects.toThrow('svd: A [1,2] has a non-finite value (NaN)');
    dispose([v, i, n]);
  });
});
