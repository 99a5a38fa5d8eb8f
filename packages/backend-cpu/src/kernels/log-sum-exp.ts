/**
 * log Σ exp(v) in two parts, max + logSum with logSum = log Σ exp(v − max), so that no exp
 * overflows and callers can form (v − max) − logSum, which is exact near the maximum where
 * v − (max + logSum) would lose the bits of a large max.
 */
export function logSumExp(values: Float64Array): { max: number; logSum: number } {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return { max, logSum: Math.log(sum) };
}
