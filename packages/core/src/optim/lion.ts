import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from '../ops/binary.js';
import { sign } from '../ops/unary.js';
import { Optimizer, type ParamsInput } from './optimizer.js';

export interface LionOptions {
  lr: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
}

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"):
 * c ← β1 m + (1−β1) g;  p ← p − lr·wd·p − lr·sign(c);  m ← β2 m + (1−β2) g.
 * Its update has unit magnitude per element, so it wants a 3–10× smaller lr than AdamW.
 */
export class Lion extends Optimizer<LionOptions> {
  constructor(params: ParamsInput<LionOptions>, options: Partial<LionOptions> = {}) {
    super(params, { lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0, ...options }, 'Lion');
  }

  protected update(p: Tensor, grad: Tensor, o: LionOptions, state: Record<string, Tensor>): Tensor {
    // m starts at zero, so on the first step c = (1−β1) g and m = (1−β2) g.
    const interpolated = state.m ? add(mul(state.m, o.beta1), mul(grad, 1 - o.beta1)) : mul(grad, 1 - o.beta1);
    const decayed = o.weightDecay ? mul(p, 1 - o.lr * o.weightDecay) : p;
    const next = sub(decayed, mul(sign(interpolated), o.lr));
    this.setState(state, 'm', state.m ? add(mul(state.m, o.beta2), mul(grad, 1 - o.beta2)) : mul(grad, 1 - o.beta2));
    return next;
  }

  protected stateShape(p: Tensor, key: string): Shape | undefined {
    return key === 'm' ? p.shape : undefined;
  }
}
