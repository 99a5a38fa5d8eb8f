import { describe, expect, it } from 'vitest';
import { erf } from '../src/math/erf.js';

// erf at these points, from mpmath with 30 digits.
const REFERENCE: Array<[number, number]> = [
  [1e-10, 1.1283791670955125739e-10],
  [0.1, 0.1124629160182848922],
  [0.5, 0.52049987781304653768],
  [1, 0.84270079294971486934],
  [1.04, 0.85864994652665145319],
  [1.4999, 0.96609325166229526931],
  [1.5, 0.96610514647531072707],
  [2, 0.99532226501895273416],
  [2.42, 0.99937928348827109951],
  [3, 0.99997790950300141456],
  [4, 0.99999998458274209972],
  [5.5, 0.99999999999999264215],
];

describe('erf', () => {
  it('is accurate to 1e-15 relative on both sides of the series / continued-fraction switch', () => {
    for (const [x, e] of REFERENCE) {
      expect(Math.abs(erf(x) - e) / e, `erf(${x})`).toBeLessThan(1e-15);
      expect(erf(-x), `erf(${-x})`).toBe(-erf(x));
    }
  });

  it('handles 0, the tails, infinities and NaN', () => {
    expect(erf(0)).toBe(0);
    expect(erf(30)).toBe(1);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
  });
});
