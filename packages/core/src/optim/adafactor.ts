import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, maximum, mul, sub } from '../ops/binary.js';
import { mean } from '../ops/reduce.js';
import { neg, rsqrt, sqrt, square } from '../ops/unary.js';
import { Optimizer, type ParamsInput } from './optimizer.js';

export interface AdafactorOptions {
  /** Upper bound of the relative step size ρ_t = min(lr, 1/√t), and the weight-decay coefficient. */
  lr: number;
  /** τ in β̂2_t = 1 − t^τ (must be ≤ 0). */
  beta2Decay: number;
  /** [ε1, ε2]: ε1 (default: the dtype's machine epsilon) bounds the variance from below, ε2 the parameter scale. */
  eps: [number | null, number];
  /** Update clipping threshold: the update is divided by max(1, RMS(U)/d). */
  d: number;
  weightDecay: number;
  /** First moment of the scaled update; null (default) keeps none, as the paper's memory-lean form. */
  beta1: number | null;
  maximize: boolean;
}

const MACHINE_EPS = { float32: 2 ** -23, float64: 2 ** -52 } as Record<string, number>;

/**
 * Adafactor (Shazeer & Stern 2018) with PyTorch's semantics (`torch.optim.Adafactor`): factored
 * second moments (row and column means of g² over the last two dimensions) for parameters of rank
 * ≥ 2, a full one for vectors; relative step size ρ_t = min(lr, 1/√t) scaled by max(ε2, RMS(p));
 * β̂2_t = 1 − t^τ; update clipping by d; decoupled weight decay p ← p·(1 − lr·wd).
 */
export class Adafactor extends Optimizer<AdafactorOptions> {
  constructor(params: ParamsInput<AdafactorOptions>, options: Partial<AdafactorOptions> = {}) {
    const o: AdafactorOptions = {
      lr: 1e-2,
      beta2Decay: -0.8,
      eps: [null, 1e-3],
      d: 1,
      weightDecay: 0,
      beta1: null,
      maximize: false,
      ...options,
    };
    if (!(o.beta2Decay <= 0)) throw new RangeError(`Adafactor: beta2Decay must be <= 0, got ${o.beta2Decay}`);
    if (!(o.d >= 1)) throw new RangeError(`Adafactor: the clipping threshold d must be >= 1, got ${o.d}`);
    const [eps1, eps2] = o.eps;
    if ((eps1 !== null && !(eps1 >= 0)) || !(eps2 >= 0))
      throw new RangeError(`Adafactor: eps must be [ε1 >= 0 or null, ε2 >= 0], got [${eps1}, ${eps2}]`);
    if (o.beta1 !== null && !(o.beta1 >= 0 && o.beta1 < 1))
      throw new RangeError(`Adafactor: beta1 must be in [0, 1) or null, got ${o.beta1}`);
    super(params, o, 'Adafactor');
  }

  protected update(p: Tensor, rawGrad: Tensor, o: AdafactorOptions, state: Record<string, Tensor>, t: number): Tensor {
    const grad = o.maximize ? neg(rawGrad) : rawGrad;
    const eps1 = o.eps[0] ?? MACHINE_EPS[p.dtype] ?? MACHINE_EPS.float32;
    const w = t ** o.beta2Decay; // 1 − β̂2_t
    const rho = Math.min(o.lr, 1 / Math.sqrt(t));
    const alpha = mul(maximum(rms(p), o.eps[1]), rho); // from p before weight decay, as PyTorch
    const decayed = o.weightDecay ? mul(p, 1 - o.lr * o.weightDecay) : p;

    let variance: Tensor;
    if (grad.rank > 1) {
      const g2 = square(grad);
      const rowVar = this.average(state, 'rowVar', mean(g2, -1, true), w);
      const colVar = this.average(state, 'colVar', mean(g2, -2, true), w);
      variance = div(mul(rowVar, colVar), maximum(mean(rowVar, -2, true), eps1));
    } else {
      variance = this.average(state, 'variance', square(grad), w);
    }
    let update = mul(grad, rsqrt(maximum(variance, eps1 * eps1)));
    update = div(update, maximum(div(rms(update), o.d), 1));
    let step = mul(update, alpha);
    if (o.beta1 !== null) step = this.average(state, 'expAvg', step, 1 - o.beta1);
    return sub(decayed, step);
  }

  /** state[key] ← (1 − w)·state[key] + w·value, from zero on the first step. */
  private average(state: Record<string, Tensor>, key: string, value: Tensor, w: number): Tensor {
    const next = state[key] ? add(mul(state[key], 1 - w), mul(value, w)) : mul(value, w);
    this.setState(state, key, next);
    return next;
  }

  protected stateShape(p: Tensor, key: string): Shape | undefined {
    const r = p.rank;
    if (r > 1 && key === 'rowVar') return [...p.shape.slice(0, r - 1), 1];
    if (r > 1 && key === 'colVar') return [...p.shape.slice(0, r - 2), 1, p.shape[r - 1]];
    if (r <= 1 && key === 'variance') return p.shape;
    if (key === 'expAvg' && this.paramGroups.some((g) => g.options.beta1 !== null && g.params.includes(p))) return p.shape;
    return undefined;
  }
}

/** Root mean square of all elements, as a scalar tensor. */
function rms(x: Tensor): Tensor {
  return sqrt(mean(square(x)));
}
