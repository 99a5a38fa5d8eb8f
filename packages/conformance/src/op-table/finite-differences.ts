import type { DType } from '@peftjs/core';
import type { OpEntry } from './entry.js';
import { wantsGrad, weightedSum } from './evaluate.js';

/** Central differences are exact to O(h²) plus rounding of O(ε/h): h = 1e-6 balances both in float64. */
const STEP = 1e-6;

/** Numerical gradients of Σ_k ⟨output_k, seed_k⟩ for every input that wants one (null elsewhere). */
export async function numericGradients(
  entry: OpEntry,
  values: readonly Float64Array[],
  seeds: readonly Float64Array[],
  float: DType,
): Promise<(Float64Array | null)[]> {
  const grads: (Float64Array | null)[] = [];
  for (let i = 0; i < values.length; i++) {
    if (!wantsGrad(entry.inputs[i])) {
      grads.push(null);
      continue;
    }
    const g = new Float64Array(values[i].length);
    for (let j = 0; j < g.length; j++) {
      const shifted = (delta: number) => values.map((v, k) => (k === i ? v.map((x, m) => (m === j ? x + delta : x)) : v));
      const plus = await weightedSum(entry, shifted(STEP), seeds, float);
      const minus = await weightedSum(entry, shifted(-STEP), seeds, float);
      g[j] = (plus - minus) / (2 * STEP);
    }
    grads.push(g);
  }
  return grads;
}
