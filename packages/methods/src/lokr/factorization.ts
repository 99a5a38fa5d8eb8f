/**
 * LyCORIS's factorization(dimension, factor), as PEFT uses it to split a dimension for the
 * Kronecker factors: (m, n) with m·n = dimension and m ≤ n. A positive `factor` dividing the
 * dimension gives (factor, dimension / factor) as they are (not reordered); otherwise m grows
 * through the divisors while m + n shrinks and m stays ≤ factor (-1: no bound, near √dimension).
 *
 *     factorization(256) → [16, 16]; factorization(128) → [8, 16]; factorization(127) → [1, 127];
 *     factorization(128, 4) → [4, 32]
 */
export function factorization(dimension: number, factor = -1): [number, number] {
  if (!Number.isInteger(dimension) || dimension < 1)
    throw new RangeError(`factorization: dimension must be a positive integer, got ${dimension}`);
  if (!Number.isInteger(factor) || (factor < 1 && factor !== -1))
    throw new RangeError(`factorization: factor must be a positive integer or -1, got ${factor}`);
  if (factor > 0 && dimension % factor === 0) return [factor, dimension / factor];
  const bound = factor === -1 ? dimension : factor;
  let [m, n] = [1, dimension];
  // PEFT compares with the first sum, 1 + dimension, throughout
  const firstSum = m + n;
  while (m < n) {
    let next = m + 1;
    while (dimension % next !== 0) next++;
    const other = dimension / next;
    if (next + other > firstSum || next > bound) break;
    [m, n] = [next, other];
  }
  if (m > n) [m, n] = [n, m];
  return [m, n];
}
