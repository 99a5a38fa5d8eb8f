import { inFloat32 } from '../amp/autocast.js';
import { engine } from '../engine.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { exp, log } from './unary.js';
import { div, sub } from './binary.js';
import { max, sum } from './reduce.js';
import { assertFloat, assertTensor } from './tensor-like.js';
import { transpose } from './views.js';

type Kind = 'softmax' | 'logSoftmax';

/** softmax over `dim` (default last): exp(x − max) / Σ exp(x − max). */
export function softmax(x: Tensor, dim = -1): Tensor {
  assertTensor(x, 'softmax', 'x');
  return inFloat32([x], (x32) => overAxis('softmax', x32, dim));
}

/** log-softmax over `dim` (default last): x − max − log Σ exp(x − max). */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  assertTensor(x, 'logSoftmax', 'x');
  return inFloat32([x], (x32) => overAxis('logSoftmax', x32, dim));
}

/** The fused kernels work on the last axis; another axis is swapped there and back (views). */
function overAxis(kind: Kind, x: Tensor, dim: number): Tensor {
  assertTensor(x, kind, 'x');
  assertFloat(x, kind, 'x');
  const axis = normalizeAxis(dim, x.rank, kind);
  if (x.rank === 0 || axis === x.rank - 1) return lastAxis(kind, x);
  const moved = transpose(x, axis, -1);
  const y = lastAxis(kind, moved);
  const back = transpose(y, axis, -1);
  moved.dispose();
  y.dispose();
  return back;
}

function lastAxis(kind: Kind, x: Tensor): Tensor {
  const backend = x.ref.backend;
  if (!backend.kernels[kind]) return composed(kind, x);
  const [out] = engine().execute({
    op: kind,
    inputs: [x],
    outputs: [{ shape: x.shape, dtype: x.dtype }],
    run: (b, [xi], [o]) => b.kernels[kind]!({ x: xi, out: o }),
  });
  return out;
}

/** The same function from primitives, for backends without the fused kernel. */
function composed(kind: Kind, x: Tensor): Tensor {
  return engine().scoped(() => {
    const m = max(x, -1, true);
    const shifted = sub(x, m.detach());
    const e = exp(shifted);
    const s = sum(e, -1, true);
    return kind === 'softmax' ? div(e, s) : sub(shifted, log(s));
  });
}

/** dx of softmax (y = softmax(x)) or log-softmax (y = logSoftmax(x)) given dy, over the last axis. */
export function softmaxBackward(kind: Kind, y: Tensor, dy: Tensor): Tensor {
  const backend = y.ref.backend;
  const name = kind === 'softmax' ? 'softmaxBackward' : 'logSoftmaxBackward';
  if (engine().gradEnabled && (y.requiresGrad || dy.requiresGrad)) {
    // the same answer whether the kernel is fused or composed: there is no second-order rule
    throw new Error(`${name}: has no gradient rule, but an input requires grad (use noGrad() or detach() if no gradient is wanted)`);
  }
  if (!backend.kernels[name]) {
    return engine().scoped(() => {
      if (kind === 'softmax') return y.mul(sub(dy, sum(dy.mul(y), -1, true)));
      return sub(dy, exp(y).mul(sum(dy, -1, true)));
    });
  }
  const [dx] = engine().execute({
    op: name,
    inputs: [y, dy],
    outputs: [{ shape: y.shape, dtype: y.dtype }],
    run: (b, [yi, dyi], [o]) => b.kernels[name]!({ y: yi, dy: dyi, dx: o }),
  });
  return dx;
}
