import { tensor, type Tensor } from '@peftjs/core';

/** Test helpers on plain row-major number arrays. */
export type Mat = { rows: number; cols: number; data: Float64Array };

export async function toMat(t: Tensor): Promise<Mat> {
  const [rows, cols] = t.shape.slice(-2);
  return { rows, cols, data: Float64Array.from(await t.data()) };
}

export function fromRows(rows: number[][]): Mat {
  return { rows: rows.length, cols: rows[0]?.length ?? 0, data: Float64Array.from(rows.flat()) };
}

export function matTensor(m: Mat, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  return tensor(m.data, { shape: [m.rows, m.cols], dtype });
}

export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul ${a.rows}x${a.cols} @ ${b.rows}x${b.cols}`);
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const x = a.data[i * a.cols + k];
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += x * b.data[k * b.cols + j];
    }
  return { rows: a.rows, cols: b.cols, data: out };
}

export function transpose(a: Mat): Mat {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: out };
}

/** diag(s) as rows x cols. */
export function diag(s: ArrayLike<number>, rows: number, cols: number): Mat {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < Math.min(rows, cols, s.length); i++) out[i * cols + i] = s[i];
  return { rows, cols, data: out };
}

export function identity(n: number): Mat {
  return diag(new Float64Array(n).fill(1), n, n);
}

export function maxAbsDiff(a: Mat, b: Mat): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`shapes ${a.rows}x${a.cols} vs ${b.rows}x${b.cols}`);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
  return worst;
}

export function maxAbs(a: Mat): number {
  return a.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** Deterministic pseudo-random matrix (a linear congruential stream, values in [-1, 1)). */
export function randomMat(rows: number, cols: number, seed: number): Mat {
  let state = seed >>> 0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2 ** 31 - 1;
  }
  return { rows, cols, data };
}
