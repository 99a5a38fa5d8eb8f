/**
 * erf in float64 from its everywhere-convergent series of positive terms,
 *   erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·5···(2n+1)),
 * which has no cancellation (relative error near 1e-16 for the |x| ≤ 8 the table uses).
 */
export function erf(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return Number.isNaN(x) ? Number.NaN : Math.sign(x);
  if (Math.abs(x) > 8) return Math.sign(x);
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return Math.min(1, Math.max(-1, (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum));
}

/** GELU with the exact erf: x·Φ(x). */
export const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** GELU's tanh approximation. */
export const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
