import { add, arange, cos, div, ge, lt, matmul, mul, sin, sub, tensor, tidy, where, type Tensor } from '@peftjs/core';

/** Products m·k stay exact in int32 up to this size. */
const MAX_SIZE = 46340;

/**
 * Columns `frequencies` of the size-n DFT matrix as real tables [n, F]: cos and sin of
 * 2π·((m·kⱼ) mod n)/n for m < n. The index product is reduced exactly in int32 before the angle
 * is formed, so the tables are accurate in float32 for any n (no large angles).
 */
export function dftColumns(n: number, frequencies: Int32Array, dtype: 'float32' | 'float64'): { cos: Tensor; sin: Tensor } {
  if (n > MAX_SIZE) throw new RangeError(`dftColumns: size ${n} is above ${MAX_SIZE}, where index products overflow int32`);
  return tidy(() => {
    const k = tensor(frequencies, { shape: [1, frequencies.length], dtype: 'int32' });
    const product = mul(arange(0, n).reshape([n, 1]), k);
    // a float quotient, truncated: within one of the true quotient, then corrected
    const quotient = div(product, n).cast('int32');
    let rest = sub(product, mul(quotient, n));
    rest = where(lt(rest, 0), add(rest, n), rest);
    rest = where(ge(rest, n), sub(rest, n), rest);
    const angle = mul(rest.cast(dtype), (2 * Math.PI) / n);
    return { cos: cos(angle), sin: sin(angle) };
  });
}

/**
 * Re(IDFT2(S)) for an [rows, cols] spectrum S that is zero except `values` [F] at
 * (rowIndex[j], colIndex[j]):
 *   (1 / (rows·cols)) Σⱼ vⱼ cos(2π (rⱼ m / rows + cⱼ n / cols))
 *   = (1 / (rows·cols)) (Cr diag(v) Ccᵀ − Sr diag(v) Scᵀ),
 * two matmuls with DFT columns, differentiable in `values` on every backend.
 */
export function realInverseDft2(values: Tensor, rows: number, cols: number, rowIndex: Int32Array, colIndex: Int32Array): Tensor {
  return tidy(() => {
    const dtype = values.dtype === 'float64' ? 'float64' : 'float32';
    const r = dftColumns(rows, rowIndex, dtype);
    const c = dftColumns(cols, colIndex, dtype);
    const v = values.reshape([1, -1]);
    const real = sub(matmul(mul(r.cos, v), c.cos, { transposeB: true }), matmul(mul(r.sin, v), c.sin, { transposeB: true }));
    return mul(real, 1 / (rows * cols));
  });
}
