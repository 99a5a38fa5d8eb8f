import { engine } from '../engine.js';
import type { Tensor } from '../tensor.js';

/** Marks a tensor as a trainable parameter: a long-lived leaf that requires grad. */
export function parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!t.isLeaf) throw new Error(`parameter: expected a leaf tensor, got the result of ${t.gradFn}; call detach() first`);
  engine().keep(t);
  t.requiresGrad = requiresGrad;
  return t;
}
