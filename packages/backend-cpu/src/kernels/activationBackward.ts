import type { ActivationOp } from '@peftjs/core';
import { erf } from '../math/erf.js';
import type { Args } from './args.js';
import { mapElements } from './elementwise.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const K = 0.044715;

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** f'(x) of each activation, in float64. */
export const ACTIVATION_DERIVATIVES: Record<ActivationOp, (x: number) => number> = {
  // y = x Φ(x): Φ(x) + x φ(x)
  gelu: (x) => 0.5 * (1 + erf(x * Math.SQRT1_2)) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI,
  // y = ½ x (1 + tanh(u)), u = c (x + k x³): ½ (1 + t) + ½ x (1 − t²) c (1 + 3k x²)
  geluTanh: (x) => {
    const t = Math.tanh(SQRT_2_OVER_PI * (x + K * x * x * x));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * K * x * x);
  },
  // y = x σ(x): σ(x) (1 + x (1 − σ(x)))
  silu: (x) => {
    const s = sigmoid(x);
    return s * (1 + x * (1 - s));
  },
};

/** dx = dy · f'(x), in float64, rounded once on store. */
export function activationBackward({ op, x, dy, dx }: Args<'activationBackward'>): void {
  const derivative = ACTIVATION_DERIVATIVES[op];
  if (!derivative) throw new RangeError(`activationBackward: unknown op ${String(op)}`);
  mapElements(dx, [x, dy], (v, g) => g * derivative(v));
}
