import { contiguousLayout, sizeOf, storageIndex, toTypedArray, type DType, type Layout, type TensorInfo } from '@peftjs/core';
import { expect } from 'vitest';
import { CpuBackend, type CpuStorage } from '../src/index.js';

export type Info = TensorInfo<CpuStorage>;

export const backend = new CpuBackend();

/** A contiguous tensor holding `values`. */
export function tensor(values: ArrayLike<number>, shape: number[], dtype: DType = 'float64'): Info {
  return view(values, dtype, contiguousLayout(shape));
}

/** A tensor over a buffer holding `buffer`, seen through an arbitrary layout. */
export function view(buffer: ArrayLike<number>, dtype: DType, layout: Layout): Info {
  const storage = backend.alloc(dtype, buffer.length);
  backend.upload(storage, toTypedArray(buffer, dtype));
  return { storage, layout, dtype };
}

export function zeros(shape: number[], dtype: DType = 'float64'): Info {
  return tensor(new Array<number>(sizeOf(shape)).fill(0), shape, dtype);
}

/** Elements in row-major order, read through core's storageIndex (not the backend's iterator). */
export function values(t: Info): number[] {
  const data = t.storage.data;
  return Array.from({ length: sizeOf(t.layout.shape) }, (_, i) => data[storageIndex(t.layout, i)]);
}

/** Elementwise |a − e| <= tol · max(1, |e|); NaN only matches NaN, infinities must be equal. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= tol * Math.max(1, Math.abs(e));
    if (!ok)
      expect.fail(
        `element ${i}: got ${a}, expected ${e} (tol ${tol})\n  actual:   [${Array.from(actual).join(', ')}]\n  expected: [${Array.from(expected).join(', ')}]`,
      );
  }
}

/** Central finite differences of a scalar function of a float64 vector. */
export function numericGradient(f: (x: number[]) => number, x: readonly number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i] += h;
    minus[i] -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}
