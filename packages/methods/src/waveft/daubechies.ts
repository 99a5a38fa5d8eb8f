type Complex = [number, number];

const mulC = (a: Complex, b: Complex): Complex => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const subC = (a: Complex, b: Complex): Complex => [a[0] - b[0], a[1] - b[1]];
const divC = (a: Complex, b: Complex): Complex => {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
};
const absC = (a: Complex): number => Math.hypot(a[0], a[1]);
const sqrtC = (a: Complex): Complex => {
  const r = absC(a);
  const re = Math.sqrt((r + a[0]) / 2);
  const im = Math.sqrt(Math.max(0, (r - a[0]) / 2));
  return [re, a[1] < 0 ? -im : im];
};

/** All complex roots of the monic-normalised polynomial Σ c[i] xⁱ (Durand–Kerner iteration). */
function polynomialRoots(coefficients: readonly number[]): Complex[] {
  const degree = coefficients.length - 1;
  if (degree < 1) return [];
  const lead = coefficients[degree]!;
  const monic = coefficients.map((c) => c / lead);
  const evaluate = (x: Complex): Complex => {
    let acc: Complex = [1, 0];
    for (let i = degree - 1; i >= 0; i--) acc = [acc[0] * x[0] - acc[1] * x[1] + monic[i]!, acc[0] * x[1] + acc[1] * x[0]];
    return acc;
  };
  // Durand–Kerner: start from powers of a complex number that is not a root of unity
  let roots: Complex[] = [];
  let power: Complex = [1, 0];
  for (let i = 0; i < degree; i++) {
    roots.push(power);
    power = mulC(power, [0.4, 0.9]);
  }
  for (let iteration = 0; iteration < 2000; iteration++) {
    let change = 0;
    roots = roots.map((r, i) => {
      let denominator: Complex = [1, 0];
      roots.forEach((s, j) => {
        if (j !== i) denominator = mulC(denominator, subC(r, s));
      });
      const next = subC(r, divC(evaluate(r), denominator));
      change = Math.max(change, absC(subC(next, r)));
      return next;
    });
    if (change < 1e-15) break;
  }
  return roots;
}

/**
 * The Daubechies wavelet dbN's reconstruction low-pass filter (2N taps, PyWavelets' order and
 * normalisation: Σ h = √2), from Daubechies' construction: H(z) = √2 ((1 + z⁻¹)/2)ᴺ Q(z), where
 * |Q|² = P(sin²(ω/2)) with P(y) = Σₖ C(N−1+k, k) yᵏ and Q takes the roots inside the unit circle
 * (the extremal-phase choice).
 */
export function daubechiesFilter(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`daubechiesFilter: order must be a positive integer, got ${n}`);
  const binomial = (a: number, b: number): number => {
    let r = 1;
    for (let i = 1; i <= b; i++) r = (r * (a - b + i)) / i;
    return r;
  };
  // roots y of P, then z with y = (2 − z − 1/z)/4, i.e. z² − (2 − 4y) z + 1 = 0, inside the unit circle
  const yRoots = polynomialRoots(Array.from({ length: n }, (_, k) => binomial(n - 1 + k, k)));
  const zRoots = yRoots.map((y): Complex => {
    const b: Complex = [2 - 4 * y[0], -4 * y[1]];
    const disc = sqrtC(subC(mulC(b, b), [4, 0]));
    const z1: Complex = [(b[0] + disc[0]) / 2, (b[1] + disc[1]) / 2];
    const z2: Complex = [(b[0] - disc[0]) / 2, (b[1] - disc[1]) / 2];
    return absC(z1) < absC(z2) ? z1 : z2;
  });
  // the polynomial Π (1 + z⁻¹)ᴺ Π (1 − zₖ z⁻¹) in powers of z⁻¹
  let poly: Complex[] = [[1, 0]];
  const times = (factor: Complex[]) => {
    const out: Complex[] = Array.from({ length: poly.length + factor.length - 1 }, () => [0, 0] as Complex);
    poly.forEach((p, i) =>
      factor.forEach((f, j) => {
        const m = mulC(p, f);
        out[i + j] = [out[i + j]![0] + m[0], out[i + j]![1] + m[1]];
      }),
    );
    poly = out;
  };
  for (let i = 0; i < n; i++)
    times([
      [1, 0],
      [1, 0],
    ]);
  for (const z of zRoots)
    times([
      [1, 0],
      [-z[0], -z[1]],
    ]);
  const real = poly.map((c) => c[0]);
  const total = real.reduce((a, b) => a + b, 0);
  return real.map((c) => (c * Math.SQRT2) / total);
}
