import type { Shape } from '@peftjs/core';

export type Numbers = ArrayLike<number>;

function formatIndex(flat: number, shape: Shape): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `[${idx.join(',')}]`;
}

export function maxAbs(values: Numbers): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) m = Math.max(m, Math.abs(values[i]));
  return m;
}

export function assertShape(label: string, got: Shape, want: Shape): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new Error(`${label}: shape [${got.join(',')}], expected [${want.join(',')}]`);
  }
}

/**
 * Max abs error relative to the expected values' scale (their largest |value|, or 1 when all are
 * 0, and at least `minScale`) must be at most `tol`. Non-finite expected values must be matched exactly.
 */
export function assertClose(label: string, got: Numbers, want: Numbers, tol: number, shape: Shape = [got.length], minScale = 0): number {
  if (got.length !== want.length) throw new Error(`${label}: ${got.length} values, expected ${want.length}`);
  const scale = Math.max(maxAbs(want) || 1, minScale);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) continue;
      throw new Error(`${label}: at ${formatIndex(i, shape)} got ${g}, expected ${w}`);
    }
    const err = Math.abs(g - w) / scale;
    if (err > worst) {
      worst = err;
      at = i;
    }
  }
  if (worst > tol) {
    throw new Error(
      `${label}: max relative error ${worst.toExponential(2)} > tolerance ${tol.toExponential(0)} (scale ${scale.toPrecision(3)}) ` +
        `at ${formatIndex(at, shape)}: got ${got[at]}, expected ${want[at]}`,
    );
  }
  return worst;
}

/** Exact equality (integers, bools, bit-identical floats; NaN equals NaN). */
export function assertEqual(label: string, got: Numbers, want: Numbers, shape: Shape = [got.length]): void {
  if (got.length !== want.length) throw new Error(`${label}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && !(got[i] === want[i])) {
      throw new Error(`${label}: at ${formatIndex(i, shape)} got ${got[i]}, expected ${want[i]}`);
    }
  }
}

/** A message check for expected errors: the thrown message must match every pattern. */
export async function assertThrows(label: string, fn: () => unknown, ...patterns: (RegExp | string)[]): Promise<void> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error(`${label}: expected an error, but none was thrown`);
  const message = error instanceof Error ? error.message : String(error);
  for (const p of patterns) {
    const ok = typeof p === 'string' ? message.includes(p) : p.test(message);
    if (!ok) throw new Error(`${label}: error message ${JSON.stringify(message)} does not match ${String(p)}`);
  }
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
