import { Params, type Args, type Gpu } from './args.js';
import { mapElements } from './elementwise.js';
import { PHILOX, philoxParams } from './philox.js';
import { TRIG } from './trig.js';

/**
 * Elements 2p and 2p+1 are the Box–Muller pair of words 2p and 2p+1: r = √(−2 ln u1), u1 in (0, 1],
 * z = r·cos(2π u2) or r·sin(2π u2). Computed in f32 with our own log and sin/cos (trig.ts), which
 * are not correctly rounded: values can differ from the float64 reference in the last bits.
 */
export function randomNormal(gpu: Gpu, { out, mean, std, ...attrs }: Args<'randomNormal'>): void {
  const p = new Params();
  const { keyAt, counterAt } = philoxParams(p, attrs);
  const meanAt = p.f(mean);
  const stdAt = p.f(std);
  const prelude = /* wgsl */ `
fn normalAt(i: u32) -> f32 {
  let first = i - (i % 2u);
  let block = philoxBlock(first / 4u, ${keyAt}u, ${counterAt}u);
  let w1 = block[first % 4u];
  let w2 = block[first % 4u + 1u];
  let u1 = f32((w1 >> 8u) + 1u) * 5.9604644775390625e-8;
  let u2 = f32(w2 >> 8u) * 5.9604644775390625e-8;
  let r = sqrt(-2.0 * logF(u1));
  let sc = sinCosTurns(u2);
  return select(r * sc.y, r * sc.x, (i % 2u) == 1u);
}`;
  mapElements(gpu, 'randomNormal', '', out, [], () => `pf(${meanAt}u) + pf(${stdAt}u) * normalAt(i)`, PHILOX + TRIG + prelude, p);
}
