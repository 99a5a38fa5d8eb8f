import { formatShape, isFloat, Tensor } from '@peftjs/core';

/** density must be in (0, 1]: the fraction of entries kept. */
export function assertDensity(fn: string, density: unknown, arg = 'density'): asserts density is number {
  if (typeof density !== 'number' || !(density > 0 && density <= 1)) {
    throw new RangeError(`${fn}: ${arg} must be a number in (0, 1], got ${String(density)}`);
  }
}

/** One finite weight per input; defaults to `fallback` for each. */
export function resolveWeights(fn: string, weights: readonly number[] | undefined, count: number, fallback = 1): number[] {
  if (weights === undefined) return new Array<number>(count).fill(fallback);
  if (!Array.isArray(weights) || weights.length !== count) {
    throw new RangeError(
      `${fn}: weights must have one number per model (${count}), got ${Array.isArray(weights) ? weights.length : String(weights)}`,
    );
  }
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w))
      throw new RangeError(`${fn}: weights[${i}] must be a finite number, got ${String(w)}`);
  });
  return [...weights];
}

export function assertFiniteNumber(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new RangeError(`${fn}: ${arg} must be a finite number, got ${String(value)}`);
}

export type MajoritySignMethod = 'total' | 'frequency';

export function assertMajoritySignMethod(fn: string, method: unknown): asserts method is MajoritySignMethod {
  if (method !== 'total' && method !== 'frequency') {
    throw new RangeError(`${fn}: majoritySignMethod must be 'total' or 'frequency', got ${String(method)}`);
  }
}

/** Tensors that are merged together must share shape and a float dtype. */
export function assertSameFloatTensors(fn: string, what: string, tensors: readonly Tensor[]): void {
  if (tensors.length === 0) throw new RangeError(`${fn}: ${what} is empty; give at least one tensor`);
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${fn}: ${what}[${i}] must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    t.assertAlive(fn, `${what}[${i}]`);
    if (!isFloat(t.dtype)) throw new TypeError(`${fn}: ${what}[${i}] must be float32 or float64, got ${t.dtype} ${formatShape(t.shape)}`);
    const first = tensors[0];
    if (t.dtype !== first.dtype || formatShape(t.shape) !== formatShape(first.shape)) {
      throw new RangeError(
        `${fn}: ${what}[${i}] is ${t.dtype} ${formatShape(t.shape)} but ${what}[0] is ${first.dtype} ${formatShape(first.shape)}`,
      );
    }
  });
}
