import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { sqrt, square } from '../ops/unary.js';
import { fusedAdamWStep } from './adamw-step.js';
import { Optimizer, type ParamsInput } from './optimizer.js';

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's defaults:
 * p ← p − lr·wd·p;  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  p ← p − lr · m̂ / (√v̂ + eps).
 */
export class AdamW extends Optimizer<AdamWOptions> {
  constructor(params: ParamsInput<AdamWOptions>, options: Partial<AdamWOptions> = {}) {
    super(params, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, ...options }, 'AdamW');
  }

  protected update(p: Tensor, grad: Tensor, o: AdamWOptions, state: Record<string, Tensor>, t: number): Tensor {
    // one pass per parameter where the backend has the fused kernel; the same update composed otherwise
    const fused = fusedAdamWStep(p, grad, state.m, state.v, {
      lr: o.lr,
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
      step: t,
    });
    if (fused) {
      this.setState(state, 'm', fused[1]);
      this.setState(state, 'v', fused[2]);
      return fused[0];
    }
    const m = state.m ? add(mul(state.m, o.beta1), mul(grad, 1 - o.beta1)) : mul(grad, 1 - o.beta1);
    const v = state.v ? add(mul(state.v, o.beta2), mul(square(grad), 1 - o.beta2)) : mul(square(grad), 1 - o.beta2);
    this.setState(state, 'm', m);
    this.setState(state, 'v', v);
    const decayed = o.weightDecay ? mul(p, 1 - o.lr * o.weightDecay) : p;
    const mHat = div(m, 1 - o.beta1 ** t);
    const vHat = div(v, 1 - o.beta2 ** t);
    return sub(decayed, mul(div(mHat, add(sqrt(vHat), o.eps)), o.lr));
  }

  protected stateShape(p: Tensor, key: string): Shape | undefined {
    return ['m', 'v'].includes(key) ? p.shape : undefined;
  }
}
