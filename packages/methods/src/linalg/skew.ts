import { concat, fill, indexSelect, reshape, sub, tensor, tidy, transpose, type Tensor } from '@peftjs/core';

/** How many numbers the strict upper triangle of an n × n matrix holds: n(n−1)/2. */
export const packedSize = (n: number): number => (n * (n - 1)) / 2;

/**
 * Skew-symmetric matrices [..., n, n] from their strict upper triangles `packed` [..., n(n−1)/2],
 * read row by row (PyTorch's triu_indices(n, n, 1) order, as OFT stores them): Q = U − Uᵀ.
 */
export function skewSymmetric(packed: Tensor, n: number): Tensor {
  const size = packed.shape[packed.rank - 1];
  if (size !== packedSize(n))
    throw new RangeError(`skewSymmetric: the last dimension must be n(n−1)/2 = ${packedSize(n)} for n = ${n}, got ${size}`);
  return tidy(() => {
    // position i·n + j reads packed entry 1 + index(i, j) of [0, packed...] above the diagonal, 0 elsewhere
    const index = new Int32Array(n * n);
    let next = 1;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) index[i * n + j] = next++;
    const lead = packed.shape.slice(0, -1);
    const padded = concat([fill([...lead, 1], 0, packed.dtype), packed], packed.rank - 1);
    const upper = reshape(indexSelect(padded, packed.rank - 1, tensor(index, { shape: [n * n] })), [...lead, n, n]);
    return sub(upper, transpose(upper, -2, -1));
  });
}
