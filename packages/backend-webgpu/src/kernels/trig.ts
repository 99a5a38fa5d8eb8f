/**
 * sin and cos in f32 to about an ulp, since some WGSL implementations approximate them coarsely
 * (errors near 1e-4). Cephes' sinf/cosf method: reduce by multiples of π/2 (Cody–Waite, π/2 in
 * three parts), evaluate the minimax polynomials on [−π/4, π/4], then pick by quadrant.
 * `sinCosTurns(u)` does the same for the angle 2π·u, reducing u exactly (u − q/4 has no rounding).
 */
export const TRIG = /* wgsl */ `
fn sinPoly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}
fn cosPoly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}
// (sin, cos) of r + q·π/2
fn byQuadrant(r: f32, q: i32) -> vec2<f32> {
  let s = sinPoly(r);
  let c = cosPoly(r);
  switch (q & 3) {
    case 0: { return vec2<f32>(s, c); }
    case 1: { return vec2<f32>(c, -s); }
    case 2: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}
fn sinCos(x: f32) -> vec2<f32> {
  if (isNan(x) || abs(x) > 8192.0) { return vec2<f32>(sin(x), cos(x)); }
  let q = round(x * 0.6366197723675814);
  let r = ((x - q * 1.5703125) - q * 4.837512969970703125e-4) - q * 7.54978995489188216e-8;
  return byQuadrant(r, i32(q));
}
fn sinCosTurns(u: f32) -> vec2<f32> {
  let q = round(u * 4.0);
  return byQuadrant((u - q * 0.25) * 6.283185307179586, i32(q));
}
// Cephes logf: x = m·2^e with m in [√½, √2), log(1 + f) by its minimax polynomial.
fn logF(x: f32) -> f32 {
  let bits = bitcast<u32>(x);
  if (!(x > 0.0) || x == inf() || (bits >> 23u) == 0u) { return log(x); }
  var e = i32((bits >> 23u) & 0xffu) - 126;
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f000000u);
  if (m < 0.70710678118654752) { m = m + m; e = e - 1; }
  let f = m - 1.0;
  let z = f * f;
  var y = f * z * (3.3333331174e-1 + f * (-2.4999993993e-1 + f * (2.0000714765e-1 + f * (-1.6668057665e-1 + f * (1.4249322787e-1
    + f * (-1.2420140846e-1 + f * (1.1676998740e-1 + f * (-1.1514610310e-1 + f * 7.0376836292e-2))))))));
  let fe = f32(e);
  y = y - 2.12194440e-4 * fe - 0.5 * z;
  return f + y + 0.693359375 * fe;
}
`;
