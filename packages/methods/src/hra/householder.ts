import { concat, div, matmul, mul, sqrt, sub, sum, tidy, type Tensor } from '@peftjs/core';

/** The columns of `u` [n, r] scaled to unit length. */
export function unitColumns(u: Tensor): Tensor {
  return tidy(() => div(u, sqrt(sum(u.square(), 0, true))));
}

/** Modified Gram–Schmidt on the columns of `u` [n, r], in order (HRA's apply_GS): orthonormal columns. */
export function gramSchmidt(u: Tensor): Tensor {
  return tidy(() => {
    const basis: Tensor[] = [];
    for (let i = 0; i < u.shape[1]!; i++) {
      let v = u.slice(1, i, i + 1);
      for (const w of basis) v = sub(v, mul(matmul(w, v, { transposeA: true }), w));
      basis.push(unitColumns(v));
    }
    return concat(basis, 1);
  });
}

/**
 * Rows of `x` [..., n] times the Householder reflections of the unit columns of `u` [n, r], one
 * after another in `order`: x ← x − 2 (x·u_i) u_iᵀ, that is x·(I − 2 u_i u_iᵀ).
 */
export function reflectRows(x: Tensor, u: Tensor, order: readonly number[]): Tensor {
  return tidy(() => {
    let h = x;
    for (const i of order) {
      const ui = u.slice(1, i, i + 1);
      h = sub(h, mul(matmul(h, ui), mul(ui.reshape([ui.shape[0]!]), 2)));
    }
    return h === x ? x.clone() : h;
  });
}

/** x·(I − 2UUᵀ) for orthonormal columns U [n, r]: x − 2 (x·U) Uᵀ. */
export function reflectRowsOrthonormal(x: Tensor, u: Tensor): Tensor {
  return tidy(() => sub(x, mul(matmul(matmul(x, u), u, { transposeB: true }), 2)));
}
