import { engine } from '../engine.js';
import type { ActivationOp } from '../kernels.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from './binary.js';
import { erf, exp, sigmoid, square, tanh } from './unary.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const K = 0.044715;

/**
 * dy · f'(x) for a GELU (erf or tanh form) or SiLU: one fused kernel where the backend has
 * `activationBackward`, else composed from primitives (also whenever the result itself must be
 * differentiable, for a second derivative).
 */
export function activationBackward(op: ActivationOp, x: Tensor, dy: Tensor): Tensor {
  const backend = x.ref.backend;
  const differentiable = engine().gradEnabled && (x.requiresGrad || dy.requiresGrad);
  if (differentiable || !backend.kernels.activationBackward || x.dtype !== dy.dtype) return mul(dy, derivative(op, x));
  const [dx] = engine().execute({
    op: 'activationBackward',
    inputs: [x, dy.shape.length === x.shape.length && dy.shape.every((d, i) => d === x.shape[i]) ? dy : dy.expand(x.shape)],
    outputs: [{ shape: x.shape, dtype: x.dtype }],
    run: (b, [xi, dyi], [o]) => b.kernels.activationBackward!({ op, x: xi, dy: dyi, dx: o }),
  });
  return dx;
}

/** f'(x), from primitives. */
function derivative(op: ActivationOp, x: Tensor): Tensor {
  if (op === 'gelu') {
    // y = x Φ(x); dy/dx = Φ(x) + x φ(x), Φ(x) = ½ (1 + erf(x/√2)), φ(x) = exp(−x²/2)/√(2π)
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return add(cdf, mul(x, pdf));
  }
  if (op === 'geluTanh') {
    // y = ½ x (1 + tanh(u)), u = c (x + k x³); dy/dx = ½ (1 + t) + ½ x (1 − t²) c (1 + 3k x²)
    const x2 = square(x);
    const t = tanh(mul(add(x, mul(mul(x2, x), K)), SQRT_2_OVER_PI));
    const left = mul(add(t, 1), 0.5);
    const right = mul(mul(mul(x, sub(1, square(t))), add(mul(x2, 3 * K), 1)), 0.5 * SQRT_2_OVER_PI);
    return add(left, right);
  }
  // y = x σ(x); dy/dx = σ(x) (1 + x (1 − σ(x)))
  const s = sigmoid(x);
  return mul(s, add(1, mul(x, sub(1, s))));
}
