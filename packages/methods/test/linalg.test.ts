import { randn, sum, tensor, tidy, valueAndGrad, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { blockDiagonal } from '../src/linalg/block-diagonal.js';
import { cayley, cayleyNeumann } from '../src/linalg/cayley.js';
import { skewSymmetric } from '../src/linalg/skew.js';
import { inverse, solve } from '../src/linalg/solve.js';
import { matmulFlat, maxAbsDiff, useCpuBackend, values } from './unit.js';

async function randomValues(shape: number[]): Promise<number[]> {
  const t = randn(shape, { dtype: 'float64' });
  const v = await values(t);
  t.dispose();
  return v;
}

const f64 = (data: number[], shape: number[]) => tensor(data, { shape, dtype: 'float64' });

describe('linalg: solve (Gauss–Jordan from core ops)', () => {
  useCpuBackend();

  it('solves a hand-checked system and a batch that needs pivoting', async () => {
    // [[2,1],[1,3]] x = [1,2] → x = [1/5, 3/5]; [[0,1],[1,0]] has a zero leading pivot
    const a = f64([2, 1, 1, 3, 0, 1, 1, 0], [2, 2, 2]);
    const b = f64([1, 2, 4, 5], [2, 2, 1]);
    const x = solve(a, b);
    expect(x.shape).toEqual([2, 2, 1]);
    expect(maxAbsDiff(await values(x), [0.2, 0.6, 5, 4])).toBeLessThan(1e-15);
    for (const t of [a, b, x]) t.dispose();
  });

  it('inverts random matrices (A·A⁻¹ = I)', async () => {
    const a = randn([3, 5, 5], { dtype: 'float64' });
    const inv = inverse(a);
    const product = tidy(() => a.matmul(inv));
    const got = await values(product);
    for (let m = 0; m < 3; m++)
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 5; j++) expect(Math.abs(got[m * 25 + i * 5 + j]! - (i === j ? 1 : 0))).toBeLessThan(1e-10);
    for (const t of [a, inv, product]) t.dispose();
  });

  it('has the gradient of A⁻¹B (checked by central differences in float64)', async () => {
    const a0 = await randomValues([4, 4]);
    const b0 = await randomValues([4, 2]);
    const w = await randomValues([4, 2]);
    const loss = (a: Tensor, b: Tensor) => tidy(() => sum(solve(a, b).mul(f64(w, [4, 2]))));
    const a = f64(a0, [4, 4]);
    const b = f64(b0, [4, 2]);
    const { value, grads } = valueAndGrad(loss)(a, b);
    const [ga, gb] = [await values(grads[0]!), await values(grads[1]!)];
    const numeric = async (which: 0 | 1, i: number) => {
      const h = 1e-6;
      const at = async (delta: number) => {
        const av = [...a0];
        const bv = [...b0];
        (which === 0 ? av : bv)[i]! += delta;
        const l = tidy(() => loss(f64(av, [4, 4]), f64(bv, [4, 2])));
        const v = (await values(l))[0]!;
        l.dispose();
        return v;
      };
      return ((await at(h)) - (await at(-h))) / (2 * h);
    };
    for (let i = 0; i < 16; i++) expect(Math.abs(ga[i]! - (await numeric(0, i)))).toBeLessThan(1e-6);
    for (let i = 0; i < 8; i++) expect(Math.abs(gb[i]! - (await numeric(1, i)))).toBeLessThan(1e-6);
    value.dispose();
    for (const g of grads) g.dispose();
    a.dispose();
    b.dispose();
  });

  it('rejects shapes that do not fit, naming them', () => {
    const a = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = f64([1, 2], [2, 1]);
    expect(() => solve(a, b)).toThrow(/solve: a must be a batch of square matrices .*\[2,3\]/);
    a.dispose();
    const sq = f64([1, 0, 0, 1], [2, 2]);
    const wrong = f64([1, 2, 3], [3, 1]);
    expect(() => solve(sq, wrong)).toThrow(/solve: b must be/);
    for (const t of [b, sq, wrong]) t.dispose();
  });
});

describe('linalg: skew-symmetric packing, Cayley transforms, block diagonal', () => {
  useCpuBackend();

  it('packs the strict upper triangle row by row (torch.triu_indices order)', async () => {
    const q = tidy(() => skewSymmetric(f64([1, 2, 3], [1, 3]), 3));
    expect(q.shape).toEqual([1, 3, 3]);
    expect(await values(q)).toEqual([0, 1, 2, -1, 0, 3, -2, -3, 0]);
    q.dispose();
    expect(() => tidy(() => skewSymmetric(f64([1, 2], [1, 2]), 3))).toThrow(/skewSymmetric: the last dimension must be n\(n−1\)\/2 = 3/);
  });

  it('exact Cayley of a 2×2 block: R = (I−Q)(I+Q)⁻¹ = [[1−a², −2a], [2a, 1−a²]] / (1+a²)', async () => {
    const a = 0.7;
    const r = tidy(() => cayley(skewSymmetric(f64([a], [1, 1]), 2)));
    const d = 1 + a * a;
    expect(maxAbsDiff(await values(r), [(1 - a * a) / d, (-2 * a) / d, (2 * a) / d, (1 - a * a) / d])).toBeLessThan(1e-15);
    r.dispose();
  });

  it('exact Cayley gives orthogonal blocks (RᵀR = I to 1e-12) for large Q', async () => {
    const n = 6;
    const r = tidy(() => cayley(skewSymmetric(randn([3, 15], { std: 3, dtype: 'float64' }), n)));
    const v = await values(r);
    for (let m = 0; m < 3; m++) {
      const block = v.slice(m * n * n, (m + 1) * n * n);
      const rtr = matmulFlat(block, block, n, true);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(rtr[i * n + j]! - (i === j ? 1 : 0))).toBeLessThan(1e-12);
    }
    r.dispose();
  });

  it('Cayley–Neumann with t terms is (I+Q)(I−Q)⁻¹ up to ‖Q‖^(t−1): equal to a^(t−1)·√2 for a 2×2 block, below ‖Q‖_F^(t−1) in general', async () => {
    for (const terms of [4, 5, 6, 8]) {
      const a = 0.3;
      const q = tidy(() => skewSymmetric(f64([a], [1, 1]), 2));
      const approx = cayleyNeumann(q, terms);
      // (I+Q)(I−Q)⁻¹ is the transpose of cayley(q)
      const exact = tidy(() => cayley(q).transpose(-2, -1).contiguous());
      const e = await values(exact);
      const diff = Math.hypot(...(await values(approx)).map((x, i) => x - e[i]!));
      expect(diff / (Math.SQRT2 * a ** (terms - 1))).toBeCloseTo(1, 10);
      for (const t of [q, approx, exact]) t.dispose();
    }
    const packed = randn([4, 10], { std: 0.08, dtype: 'float64' });
    const q = skewSymmetric(packed, 5);
    const qv = await values(q);
    for (const terms of [4, 5, 7]) {
      const approx = cayleyNeumann(q, terms);
      const exact = tidy(() => cayley(q).transpose(-2, -1).contiguous());
      const [av, ev] = [await values(approx), await values(exact)];
      for (let m = 0; m < 4; m++) {
        const block = (v: number[]) => v.slice(m * 25, (m + 1) * 25);
        const diff = Math.hypot(...block(av).map((x, i) => x - block(ev)[i]!));
        const qNorm = Math.hypot(...block(qv));
        expect(diff).toBeLessThanOrEqual(qNorm ** (terms - 1) * (1 + 1e-9));
      }
      approx.dispose();
      exact.dispose();
    }
    packed.dispose();
    q.dispose();
  });

  it('Cayley–Neumann follows PEFT term by term (3 terms equal 4; 1 term is I; 2 terms I + 2Q)', async () => {
    const q = tidy(() => skewSymmetric(f64([0.1, 0.2, 0.3], [1, 3]), 3));
    const [one, two, three, four] = [1, 2, 3, 4].map((t) => cayleyNeumann(q, t));
    expect(await values(one!)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const qv = await values(q);
    expect(
      maxAbsDiff(
        await values(two!),
        qv.map((x, i) => 2 * x + (i % 4 === 0 ? 1 : 0)),
      ),
    ).toBeLessThan(1e-16);
    expect(await values(three!)).toEqual(await values(four!));
    for (const t of [q, one, two, three, four]) t!.dispose();
    expect(() => tidy(() => cayleyNeumann(f64([0], [1, 1]), 0))).toThrow(/cayleyNeumann: terms must be a positive integer, got 0/);
  });

  it('blockDiagonal places each block on the diagonal', async () => {
    const d = tidy(() => blockDiagonal(f64([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2])));
    expect(d.shape).toEqual([4, 4]);
    expect(await values(d)).toEqual([1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 5, 6, 0, 0, 7, 8]);
    d.dispose();
  });
});
