import { noGrad, tensor, tidy, type Module, type Tensor } from '@peftjs/core';
import { expect } from 'vitest';

/** A tensor's values as float64 numbers. */
export async function values(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data(), Number);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** `model.forward(...inputs)` in a tidy scope, as float64 numbers and shape. */
export async function run(model: Module, ...inputs: unknown[]): Promise<{ values: Float64Array; shape: number[] }> {
  const out = tidy(() => (model.forward as (...a: unknown[]) => unknown)(...inputs) as Tensor);
  const result = { values: await values(out), shape: [...out.shape] };
  out.dispose();
  return result;
}

/** Writes `data` into `p` (same shape and dtype). */
export function setValues(p: Tensor, data: ArrayLike<number>): void {
  const v = tensor(Float64Array.from(data), { shape: p.shape, dtype: p.dtype });
  noGrad(() => p.assign(v));
  v.dispose();
}

/** Deterministic pseudo-random numbers in [-1, 1) (weights of a projection the tests compare through). */
export function pseudoRandom(n: number, seed = 1): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/**
 * Checks autograd against central differences in float64: the loss is Σ out ⊙ proj (proj a fixed
 * pseudo-random tensor), and up to `samples` entries of every parameter in `params` are perturbed.
 */
export async function checkGradients(
  model: Module,
  params: [string, Tensor][],
  inputs: unknown[],
  samples = 6,
  tol = 1e-6,
): Promise<number> {
  const loss = (): Tensor =>
    tidy(() => {
      const out = (model.forward as (...a: unknown[]) => unknown)(...inputs) as Tensor;
      const proj = tensor(pseudoRandom(out.size, 7), { shape: out.shape, dtype: out.dtype });
      return out.mul(proj).sum();
    });
  for (const [, p] of params) {
    p.grad?.dispose();
    p.grad = null;
  }
  const l = loss();
  l.backward();
  l.dispose();
  let worst = 0;
  for (const [name, p] of params) {
    expect(p.dtype, `${name} must be float64 for finite differences`).toBe('float64');
    expect(p.grad, `${name} got no gradient`).not.toBeNull();
    const grad = await values(p.grad!);
    const base = await values(p);
    const h = 1e-6;
    const stride = Math.max(1, Math.floor(base.length / samples));
    for (let i = 0; i < base.length; i += stride) {
      const at = async (delta: number) => {
        const shifted = Float64Array.from(base);
        shifted[i] += delta;
        setValues(p, shifted);
        const value = noGrad(loss);
        const v = await value.item();
        value.dispose();
        return v;
      };
      const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
      const err = Math.abs(numeric - grad[i]!) / Math.max(1, Math.abs(numeric));
      worst = Math.max(worst, err);
      expect(err, `${name}[${i}]: autograd ${grad[i]}, finite differences ${numeric}`).toBeLessThan(tol);
    }
    setValues(p, base);
    p.grad?.dispose();
    p.grad = null;
  }
  return worst;
}
