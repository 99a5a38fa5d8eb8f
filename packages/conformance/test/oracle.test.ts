import { describe, expect, it } from 'vitest';
import { OP_TABLE } from '../src/op-table/index.js';
import { matmul, nd, reduce, slice, take, total } from '../src/oracle/nd.js';
import { attention, crossEntropy } from '../src/oracle/nn.js';
import { erf } from '../src/oracle/special.js';

// The op table's oracle is independent of the CPU backend; here it meets published values and NumPy's rules.
describe('the JavaScript oracle', () => {
  it('covers every op-table entry', () => {
    expect(OP_TABLE.filter((e) => !e.oracle && !e.expect).map((e) => e.name)).toEqual([]);
  });

  it('erf meets published values (Abramowitz and Stegun, table 7.1, and erf(x) = 1 - erfc(x) for large x)', () => {
    const table: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [-0.75, -0.7111556336535151],
    ];
    for (const [x, want] of table) expect(Math.abs(erf(x) - want)).toBeLessThanOrEqual(4.5e-16);
    expect(Math.abs(1 - erf(5) - 1.5374597944280351e-12)).toBeLessThan(1e-15);
  });

  it('follows NumPy: broadcast batches in matmul, 1-D promotion, slices and index-select', () => {
    const a = nd([1, 2, 3, 4, 5, 6], [2, 3]);
    expect([...matmul(a, nd([1, 0, -1], [3])).data]).toEqual([-2, -2]);
    const batched = matmul(nd([1, 0, 0, 1, 2, 0, 0, 2], [2, 1, 2, 2]), nd([1, 2, 3, 4], [2, 2]));
    expect(batched.shape).toEqual([2, 1, 2, 2]);
    expect([...batched.data]).toEqual([1, 2, 3, 4, 2, 4, 6, 8]);
    expect([...slice(nd([0, 1, 2, 3, 4, 5], [6]), 0, -4, 10, 2).data]).toEqual([2, 4]);
    expect(take(a, 1, nd([2, 0, 2, 2], [2, 2])).shape).toEqual([2, 2, 2]);
    expect([...reduce(a, [0], true, total).data]).toEqual([5, 7, 9]);
  });

  it('cross-entropy and attention by hand', () => {
    // two classes with logits (0, ln 3): p = (1/4, 3/4)
    const ce = crossEntropy(nd([0, Math.log(3), 0, Math.log(3)], [2, 2]), nd([1, -100], [2]));
    expect(ce.data[0]).toBeCloseTo(-Math.log(0.75), 15);
    // one query attending to two keys with equal scores averages their values; causal with Tk > Tq keeps both
    const out = attention(nd([0, 0], [1, 2]), nd([1, 2, 3, 4], [2, 2]), nd([10, 20], [2, 1]), { isCausal: true });
    expect([...out.data]).toEqual([15]);
  });
});
