import { add, matmul, mul, sub, tidy, type Tensor } from '@peftjs/core';
import { identityLike, solve } from './solve.js';

/**
 * The exact Cayley transform of skew-symmetric blocks Q [..., n, n]: R = (I − Q)(I + Q)⁻¹, an
 * orthogonal matrix (PEFT's torch.linalg.solve(I + Q, I − Q, left=False)). Q and (I + Q)⁻¹ commute,
 * so this solves (I + Q) R = I − Q; I + Q has a positive definite symmetric part (I), so the
 * elimination needs no pivoting.
 */
export function cayley(q: Tensor): Tensor {
  return tidy(() => {
    const n = q.shape[q.rank - 1]!;
    const identity = identityLike(q, n);
    return solve(add(identity, q), sub(identity, q), { pivot: false });
  });
}

/**
 * PEFT 0.18's Cayley–Neumann approximation with `terms` terms: (I + Q)(I − Q)⁻¹ with the inverse
 * replaced by its Neumann series, I + 2Q + 2Q² + … + 2Q^(terms−2) + Q^(terms−1) (1 term: I; 2 terms:
 * I + 2Q; 3 terms: the same as 4, I + 2Q + 2Q² + Q³, as PEFT computes it). Orthogonal up to
 * O(‖Q‖^terms). Note that it approximates the transpose of `cayley(q)`, as PEFT does.
 */
export function cayleyNeumann(q: Tensor, terms: number): Tensor {
  if (!Number.isInteger(terms) || terms < 1) throw new RangeError(`cayleyNeumann: terms must be a positive integer, got ${terms}`);
  return tidy(() => {
    const n = q.shape[q.rank - 1]!;
    let r = identityLike(q, n);
    if (terms === 1) return r;
    r = add(r, mul(q, 2));
    if (terms === 2) return r;
    const square = matmul(q, q);
    r = add(r, mul(square, 2));
    let power = square;
    for (let k = 3; k < terms - 1; k++) {
      power = matmul(power, q);
      r = add(r, mul(power, 2));
    }
    power = matmul(power, q);
    return add(r, power);
  });
}
