import { engine } from '../engine.js';
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/grad-mode.js';

/** A group of parameters with its own hyper-parameters (LoRA+ gives B a larger lr this way). */
export interface ParamGroup<H> {
  params: Tensor[];
  options: H;
}

export type ParamsInput<H> = Tensor[] | { params: Tensor[]; options?: Partial<H> }[];

/** PyTorch's optimizer shape: parameter groups, per-parameter state, zeroGrad and step. */
export abstract class Optimizer<H extends { lr: number }> {
  readonly paramGroups: ParamGroup<H>[];
  protected readonly state = new Map<Tensor, Record<string, Tensor>>();
  /** Updates applied to each parameter so far (Adam's bias correction needs it). */
  protected readonly steps = new Map<Tensor, number>();
  stepCount = 0;

  constructor(params: ParamsInput<H>, defaults: H, name: string) {
    validateHyper(name, defaults);
    const groups = params.every((p) => p instanceof Tensor) ? [{ params: params as Tensor[] }] : (params as { params: Tensor[]; options?: Partial<H> }[]);
    this.paramGroups = groups.map((g, i) => {
      const options = { ...defaults, ...g.options };
      validateHyper(`${name} group ${i}`, options);
      g.params.forEach((p, j) => {
        if (!p.requiresGrad) throw new Error(`${name}: parameter ${j} of group ${i} does not require grad`);
      });
      return { params: g.params, options };
    });
  }

  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          const step = (this.steps.get(p) ?? 0) + 1;
          this.steps.set(p, step);
          engine().scoped(() => {
            const next = this.update(p, p.grad!, group.options, this.stateFor(p), step);
            p.assign(next);
          });
        }
      }
    });
  }

  /** Returns the new value of `p`; may replace entries of `state` (kept tensors, old ones disposed). */
  protected abstract update(p: Tensor, grad: Tensor, options: H, state: Record<string, Tensor>, step: number): Tensor;

  protected setState(state: Record<string, Tensor>, key: string, value: Tensor): void {
    const previous = state[key];
    state[key] = engine().keep(value);
    if (previous && previous !== value) previous.dispose();
  }

  private stateFor(p: Tensor): Record<string, Tensor> {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** Frees the optimizer's state tensors. */
  dispose(): void {
    for (const s of this.state.values()) for (const t of Object.values(s)) t.dispose();
    this.state.clear();
  }
}

function validateHyper(name: string, options: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) {
      throw new RangeError(`${name}: ${key} must be a finite non-negative number, got ${value}`);
    }
  }
}
