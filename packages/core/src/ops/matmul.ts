import { autocastToHalf } from '../amp/autocast.js';
import { engine } from '../engine.js';
import { broadcastShapes, formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { broadcastInfo } from './broadcast.js';
import { assertFloat, assertTensor } from './tensor-like.js';
import { reshape, unsqueeze } from './views.js';

export interface MatmulOptions {
  /** Use aᵀ (the last two axes swapped) without copying. */
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * Matrix product with PyTorch's rules: 1-D operands are promoted to matrices and the added axis
 * removed afterwards; batch axes broadcast.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  assertTensor(a, 'matmul', 'a');
  assertTensor(b, 'matmul', 'b');
  // in an autocast region the product runs in half (see amp/autocast.ts)
  const ha = autocastToHalf(a);
  const hb = autocastToHalf(b);
  try {
    return matmulOf(ha, hb, options);
  } finally {
    if (ha !== a) ha.dispose();
    if (hb !== b) hb.dispose();
  }
}

function matmulOf(a: Tensor, b: Tensor, options: MatmulOptions): Tensor {
  if (a.rank === 0 || b.rank === 0) {
    throw new RangeError(`matmul: both arguments need at least one dimension, got ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
  }
  const a2 = a.rank === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.rank === 1 ? unsqueeze(b, -1) : b;
  try {
    const out = matmul2d(a2, b2, options.transposeA ?? false, options.transposeB ?? false);
    if (a.rank > 1 && b.rank > 1) return out;
    const shape = out.shape.filter((_, i) => !((a.rank === 1 && i === out.rank - 2) || (b.rank === 1 && i === out.rank - 1)));
    const r = reshape(out, shape);
    out.dispose();
    return r;
  } finally {
    if (a2 !== a) a2.dispose();
    if (b2 !== b) b2.dispose();
  }
}

export interface MatmulAttrs {
  transA: boolean;
  transB: boolean;
}

/** The kernel-level op on operands of rank >= 2 (also used by the gradient rule). */
export function matmul2d(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  assertFloat(a, 'matmul', 'a');
  assertFloat(b, 'matmul', 'b');
  if (a.dtype !== b.dtype) throw new TypeError(`matmul: dtypes differ: ${a.dtype} @ ${b.dtype}`);
  const [m, k] = transA ? [a.shape[a.rank - 1], a.shape[a.rank - 2]] : [a.shape[a.rank - 2], a.shape[a.rank - 1]];
  const [k2, n] = transB ? [b.shape[b.rank - 1], b.shape[b.rank - 2]] : [b.shape[b.rank - 2], b.shape[b.rank - 1]];
  if (k !== k2) {
    const flags = transA || transB ? ` (transposeA=${transA}, transposeB=${transB})` : '';
    throw new RangeError(`matmul: inner dimensions differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)}${flags}`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const attrs: MatmulAttrs = { transA, transB };
  const [out] = engine().execute({
    op: 'matmul',
    inputs: [a, b],
    attrs,
    outputs: [{ shape: [...batch, m, n], dtype: a.dtype }],
    run: (backend, [ai, bi], [o]) =>
      backend.kernels.matmul({
        a: broadcastInfo(ai, [...batch, ...a.shape.slice(-2)], 'matmul'),
        b: broadcastInfo(bi, [...batch, ...b.shape.slice(-2)], 'matmul'),
        transA,
        transB,
        out: o,
      }),
  });
  return out;
}
