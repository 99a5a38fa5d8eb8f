/**
 * f32 math in WGSL where the builtins are undefined or imprecise at the edges:
 * - erfF: for |x| < 0.5 the Maclaurin series to x^13 (truncation < 1e-8 relative); otherwise
 *   Abramowitz & Stegun 7.1.26, 1 − t·poly(t)·e^(−x²) with t = 1/(1 + 0.3275911|x|) (|error| < 1.5e-7).
 * - sigmoidF forms only e^(−|x|), which cannot overflow.
 * - tanhF clamps to ±15, where tanh is 1 in f32 (some implementations give NaN for large |x|).
 * - powF follows Math.pow: x^0 = 1, negative bases with integer exponents, 0 to a negative power.
 */
export const MATH = /* wgsl */ `
fn erfF(x: f32) -> f32 {
  let a = abs(x);
  if (isNan(x)) { return x; }
  if (a < 0.5) {
    let z = x * x;
    let s = 1.0 + z * (-1.0 / 3.0 + z * (1.0 / 10.0 + z * (-1.0 / 42.0 + z * (1.0 / 216.0 + z * (-1.0 / 1320.0 + z * (1.0 / 9360.0))))));
    return 1.1283791670955126 * x * s;
  }
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-a * a);
  return select(r, -r, x < 0.0);
}
fn sigmoidF(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
fn tanhF(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  return tanh(clamp(x, -15.0, 15.0));
}
fn isOddInteger(b: f32) -> bool { return b == trunc(b) && abs(b) < 16777216.0 && trunc(b * 0.5) != b * 0.5; }
fn powF(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isNan(a) || isNan(b)) { return nan(); }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  if (a == 0.0) {
    if (b > 0.0) { return select(0.0, a, isOddInteger(b)); }
    return select(inf(), sign(a) * inf(), isOddInteger(b) && bitcast<u32>(a) != 0u);
  }
  let r = pow(abs(a), b);
  if (a < 0.0) {
    if (b != trunc(b)) { return nan(); }
    return select(r, -r, isOddInteger(b));
  }
  return r;
}
`;
