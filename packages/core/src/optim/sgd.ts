import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from '../ops/binary.js';
import { Optimizer, type ParamsInput } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay (as PyTorch). */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options }, 'SGD');
  }

  protected update(p: Tensor, grad: Tensor, o: SGDOptions, state: Record<string, Tensor>): Tensor {
    let g = o.weightDecay ? add(grad, mul(p, o.weightDecay)) : grad;
    if (o.momentum) {
      const buf = state.momentum ? add(mul(state.momentum, o.momentum), mul(g, 1 - o.dampening)) : mul(g, 1);
      this.setState(state, 'momentum', buf);
      g = o.nesterov ? add(g, mul(buf, o.momentum)) : buf;
    }
    return sub(p, mul(g, o.lr));
  }

  protected stateShape(p: Tensor, key: string): Shape | undefined {
    return ['momentum'].includes(key) ? p.shape : undefined;
  }
}
