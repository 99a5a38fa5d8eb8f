import { formatShape, isFloat, tensor, type DType, type Tensor } from '@peftjs/core';

/** A stack of row-major float64 matrices read from a tensor of shape (..., rows, cols). */
export interface HostMatrices {
  batchShape: number[];
  rows: number;
  cols: number;
  mats: Float64Array[];
}

/** Reads a float tensor of rank >= 2 into float64 matrices on the host. */
export async function readMatrices(x: Tensor, op: string, arg = 'A'): Promise<HostMatrices> {
  if (!x || typeof (x as Tensor).data !== 'function') throw new TypeError(`${op}: ${arg} must be a Tensor`);
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: ${arg} must be float32 or float64, got ${x.dtype} ${formatShape(x.shape)}`);
  if (x.rank < 2) throw new RangeError(`${op}: ${arg} must have at least 2 dimensions (..., m, n), got ${formatShape(x.shape)}`);
  const rows = x.shape[x.rank - 2];
  const cols = x.shape[x.rank - 1];
  const batchShape = x.shape.slice(0, -2);
  const values = await x.data();
  const size = rows * cols;
  const mats: Float64Array[] = [];
  for (let offset = 0; offset < values.length; offset += size) {
    const m = Float64Array.from(values.subarray(offset, offset + size));
    for (let i = 0; i < m.length; i++) {
      if (!Number.isFinite(m[i])) throw new RangeError(`${op}: ${arg} ${formatShape(x.shape)} has a non-finite value (${m[i]})`);
    }
    mats.push(m);
  }
  // a batch with a zero-sized axis holds no matrices; an empty matrix still counts once per batch entry
  if (size === 0) for (let b = batchShape.reduce((p, d) => p * d, 1); b > 0; b--) mats.push(new Float64Array(0));
  return { batchShape, rows, cols, mats };
}

/** Stacks row-major float64 matrices (rows x cols each) into a tensor of shape (...batchShape, rows, cols). */
export function tensorFromMatrices(
  batchShape: readonly number[],
  rows: number,
  cols: number,
  mats: readonly Float64Array[],
  dtype: DType,
): Tensor {
  const out = new Float64Array(mats.length * rows * cols);
  mats.forEach((m, i) => out.set(m, i * rows * cols));
  return tensor(out, { shape: [...batchShape, rows, cols], dtype });
}

/** Stacks float64 vectors of equal length into a tensor of shape (...batchShape, length). */
export function tensorFromVectors(batchShape: readonly number[], length: number, vecs: readonly Float64Array[], dtype: DType): Tensor {
  const out = new Float64Array(vecs.length * length);
  vecs.forEach((v, i) => out.set(v, i * length));
  return tensor(out, { shape: [...batchShape, length], dtype });
}
