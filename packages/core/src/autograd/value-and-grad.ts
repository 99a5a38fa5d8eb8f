import { engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { backward } from './backward.js';
import { enableGrad } from './grad-mode.js';
import { zerosLike } from '../ops/creation.js';

/**
 * Functional gradients: `valueAndGrad(f)(...xs)` returns f's (one-element) value and its
 * gradient with respect to each argument. Arguments are not modified and need not require grad.
 */
export function valueAndGrad<Args extends Tensor[]>(f: (...args: Args) => Tensor): (...args: Args) => { value: Tensor; grads: Tensor[] } {
  return (...args: Args) => {
    const e = engine();
    const leaves = args.map((a) => {
      a.assertAlive('valueAndGrad', 'argument');
      const leaf = e.alias(a);
      leaf.requiresGrad = true;
      return leaf;
    }) as Args;
    try {
      const out = enableGrad(() => f(...leaves));
      backward(out);
      const value = e.alias(out);
      out.dispose();
      const grads = leaves.map((l) => (l.grad ? e.alias(l.grad) : zerosLike(l)));
      return { value, grads };
    } finally {
      leaves.forEach((l) => l.dispose());
    }
  };
}

/** `grad(f)(...xs)`: only the gradients of valueAndGrad. */
export function grad<Args extends Tensor[]>(f: (...args: Args) => Tensor): (...args: Args) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...args: Args) => {
    const { value, grads } = vg(...args);
    value.dispose();
    return grads;
  };
}
