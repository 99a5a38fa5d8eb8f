import '@peftjs/backend-cpu';
import { dispose, memory, setBackend, tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { qr } from '../../src/linalg/index.js';
import { fromRows, identity, matmul, matTensor, maxAbsDiff, randomMat, toMat, transpose, type Mat } from './host-math.js';

beforeAll(async () => {
  await setBackend('cpu');
});

async function checkQr(a: Mat, mode: 'reduced' | 'complete'): Promise<{ q: Mat; r: Mat }> {
  const before = memory().numTensors;
  const t = matTensor(a);
  const { Q, R } = await qr(t, { mode });
  const k = Math.min(a.rows, a.cols);
  expect(Q.shape).toEqual([a.rows, mode === 'complete' ? a.rows : k]);
  expect(R.shape).toEqual([mode === 'complete' ? a.rows : k, a.cols]);
  const [q, r] = [await toMat(Q), await toMat(R)];
  expect(maxAbsDiff(matmul(q, r), a)).toBeLessThan(1e-13);
  expect(maxAbsDiff(matmul(transpose(q), q), identity(q.cols))).toBeLessThan(1e-14);
  for (let i = 0; i < r.rows; i++) for (let j = 0; j < Math.min(i, r.cols); j++) expect(r.data[i * r.cols + j]).toBe(0);
  dispose([t, Q, R]);
  expect(memory().numTensors).toBe(before);
  return { q, r };
}

describe('qr', () => {
  it('matches the textbook example with LAPACK signs (R diagonal opposite to the pivot)', async () => {
    const { q, r } = await checkQr(
      fromRows([
        [12, -51, 4],
        [6, 167, -68],
        [-4, 24, -41],
      ]),
      'reduced',
    );
    const wantQ = fromRows([
      [-6 / 7, 69 / 175, 58 / 175],
      [-3 / 7, -158 / 175, -6 / 175],
      [2 / 7, -6 / 35, 33 / 35],
    ]);
    const wantR = fromRows([
      [-14, -21, 14],
      [0, -175, 70],
      [0, 0, -35],
    ]);
    expect(maxAbsDiff(q, wantQ)).toBeLessThan(1e-15);
    expect(maxAbsDiff(r, wantR)).toBeLessThan(1e-12);
  });

  it('reduced and complete factors of tall, wide and rank-deficient matrices', async () => {
    const rankOne = matmul(randomMat(5, 1, 3), randomMat(1, 4, 4));
    for (const a of [
      randomMat(8, 3, 1),
      randomMat(3, 8, 2),
      randomMat(5, 5, 5),
      rankOne,
      { rows: 4, cols: 2, data: new Float64Array(8) },
    ]) {
      const reduced = await checkQr(a, 'reduced');
      const complete = await checkQr(a, 'complete');
      // the complete Q starts with the reduced one
      const k = Math.min(a.rows, a.cols);
      for (let i = 0; i < a.rows; i++) for (let j = 0; j < k; j++) expect(complete.q.data[i * a.rows + j]).toBe(reduced.q.data[i * k + j]);
    }
  });

  it("mode 'r' gives R alone, batches work, float32 stays float32", async () => {
    const t = tensor(randomMat(2 * 4, 3, 9).data, { shape: [2, 4, 3], dtype: 'float32' });
    const { Q, R } = await qr(t, { mode: 'r' });
    expect(Q.shape).toEqual([0]);
    expect(R.shape).toEqual([2, 3, 3]);
    expect(R.dtype).toBe('float32');
    const full = await qr(t);
    expect(full.Q.shape).toEqual([2, 4, 3]);
    expect(await full.R.data()).toEqual(await R.data());
    dispose([t, Q, R, full.Q, full.R]);
    await expect(qr(tensor([[1]]), { mode: 'full' as never })).rejects.toThrow("qr: mode must be 'reduced', 'complete' or 'r', got full");
  });
});
