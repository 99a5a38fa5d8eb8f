import {
  abs,
  add,
  arange,
  cast,
  concat,
  detach,
  div,
  eq,
  eye,
  formatShape,
  ge,
  mul,
  reshape,
  slice,
  sub,
  sum,
  tidy,
  where,
  argmax,
  type Tensor,
} from '@peftjs/core';

export interface SolveOptions {
  /**
   * Partial pivoting (default true): each step takes the row with the largest remaining entry of
   * the column. Without it, every leading pivot must be non-zero, which holds for matrices whose
   * symmetric part is positive definite (I + S with S skew-symmetric, the Cayley transform).
   */
  pivot?: boolean;
}

/**
 * X with A X = B for a batch of square matrices A [..., n, n] and right-hand sides B [..., n, m]
 * (PyTorch's torch.linalg.solve), by Gauss–Jordan elimination on [A | B] written with core ops, so
 * gradients flow to A and B on every backend. Meant for small blocks (OFT/BOFT rotations, r × r
 * blocks): it takes n elimination steps of a few elementwise ops each. A singular A gives
 * infinities or NaN, as the elimination divides by a zero pivot.
 */
export function solve(a: Tensor, b: Tensor, options: SolveOptions = {}): Tensor {
  const n = a.shape[a.rank - 1]!;
  if (a.rank < 2 || a.shape[a.rank - 2] !== n)
    throw new RangeError(`solve: a must be a batch of square matrices [..., n, n], got ${formatShape(a.shape)}`);
  const batchShape = a.shape.slice(0, -2);
  if (b.rank !== a.rank || b.shape[b.rank - 2] !== n || batchShape.some((d, i) => b.shape[i] !== d)) {
    throw new RangeError(
      `solve: b must be [${[...batchShape, n, 'm'].join(', ')}] to match a ${formatShape(a.shape)}, got ${formatShape(b.shape)}`,
    );
  }
  if (a.dtype !== b.dtype) throw new TypeError(`solve: a and b must have one dtype, got ${a.dtype} and ${b.dtype}`);
  const m = b.shape[b.rank - 1]!;
  const batch = batchShape.reduce((p, d) => p * d, 1);
  const pivot = options.pivot ?? true;
  return tidy(() => {
    let aug = concat([reshape(a, [batch, n, n]), reshape(b, [batch, n, m])], 2);
    const rows = reshape(arange(0, n, 1, 'int32'), [1, n, 1]);
    for (let k = 0; k < n; k++) {
      const unit = cast(eq(rows, k), a.dtype);
      if (pivot) {
        // swap row k with the row p >= k whose |entry| in column k is largest: M += (e_k − e_p)(row_p − row_k)
        const candidates = where(ge(rows, k), abs(detach(slice(aug, 2, k, k + 1))), -1);
        const chosen = cast(eq(rows, argmax(candidates, 1, true)), a.dtype);
        const rowP = sum(mul(aug, chosen), 1, true);
        aug = add(aug, mul(sub(unit, chosen), sub(rowP, slice(aug, 1, k, k + 1))));
      }
      const pivotRow = slice(aug, 1, k, k + 1);
      const normalized = div(pivotRow, slice(pivotRow, 2, k, k + 1));
      // every row i loses M[i,k]·normalized; row k instead becomes normalized
      aug = sub(aug, mul(sub(slice(aug, 2, k, k + 1), unit), normalized));
    }
    return reshape(slice(aug, 2, n, n + m).contiguous(), [...batchShape, n, m]);
  });
}

/** The inverses of a batch of square matrices [..., n, n] (torch.linalg.inv), through `solve`. */
export function inverse(a: Tensor, options: SolveOptions = {}): Tensor {
  return tidy(() => {
    const n = a.shape[a.rank - 1]!;
    const identity = identityLike(a, n);
    return solve(a, identity, options);
  });
}

/** Identity matrices shaped like the batch `a` [..., n, n], in its dtype. */
export function identityLike(a: Tensor, n: number): Tensor {
  return tidy(() =>
    eye(n, n, a.dtype)
      .expand([...a.shape.slice(0, -2), n, n])
      .contiguous(),
  );
}
