import { engine } from '../engine.js';
import { formatShape, shapesEqual, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { clone } from '../ops/views.js';

/** A group of parameters with its own hyper-parameters (LoRA+ gives B a larger lr this way). */
export interface ParamGroup<H> {
  params: Tensor[];
  options: H;
}

export type ParamsInput<H> = Tensor[] | { params: Tensor[]; options?: Partial<H> }[];

/** One parameter's saved state: its update count and its state tensors by name. */
export interface ParamState {
  step: number;
  tensors: Record<string, Tensor>;
}

/**
 * PyTorch's optimizer state dict: `state` keyed by the parameter's index counted across groups in
 * order, and `paramGroups` with each group's hyper-parameters and the indices of its parameters.
 */
export interface OptimizerStateDict<H = Record<string, unknown>> {
  state: Record<number, ParamState>;
  paramGroups: (H & { params: number[] })[];
}

/** PyTorch's optimizer shape: parameter groups, per-parameter state, zeroGrad and step. */
export abstract class Optimizer<H extends { lr: number }> {
  readonly paramGroups: ParamGroup<H>[];
  protected readonly state = new Map<Tensor, Record<string, Tensor>>();
  /** Updates applied to each parameter so far (Adam's bias correction needs it). */
  protected readonly steps = new Map<Tensor, number>();
  stepCount = 0;

  constructor(
    params: ParamsInput<H>,
    defaults: H,
    readonly name: string,
  ) {
    validateHyper(name, defaults);
    const groups = params.every((p) => p instanceof Tensor)
      ? [{ params: params as Tensor[] }]
      : (params as { params: Tensor[]; options?: Partial<H> }[]);
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
        validateHyper(this.name, group.options);
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

  /** The shape of state entry `key` of parameter `p`, or undefined when this optimizer has no such entry. */
  protected abstract stateShape(p: Tensor, key: string): Shape | undefined;

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

  private allParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /**
   * The state to checkpoint. Its tensors are this optimizer's own (not copies): serialize them
   * before the next step, which replaces them.
   */
  stateDict(): OptimizerStateDict<H> {
    const state: Record<number, ParamState> = {};
    this.allParams().forEach((p, i) => {
      const step = this.steps.get(p);
      if (step !== undefined) state[i] = { step, tensors: { ...(this.state.get(p) ?? {}) } };
    });
    let index = 0;
    const paramGroups = this.paramGroups.map((g) => ({ ...g.options, params: g.params.map(() => index++) }));
    return { state, paramGroups };
  }

  /**
   * Restores a state dict (hyper-parameters of every group and each parameter's state, copied).
   * Everything is checked first, so a state dict that does not fit leaves the optimizer as it was.
   */
  loadStateDict(dict: OptimizerStateDict<Partial<H>>): void {
    const where = `${this.name}.loadStateDict`;
    const params = this.allParams();
    if (!dict || !Array.isArray(dict.paramGroups) || typeof dict.state !== 'object') {
      throw new TypeError(`${where}: expected { state, paramGroups }`);
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new RangeError(
        `${where}: the state dict has ${dict.paramGroups.length} parameter groups, the optimizer has ${this.paramGroups.length}`,
      );
    }
    const sizes = this.paramGroups.map((g) => g.params.length);
    const saved = dict.paramGroups.map((g) => (Array.isArray(g.params) ? g.params.length : -1));
    if (saved.some((n, i) => n !== sizes[i])) {
      throw new RangeError(
        `${where}: the state dict's groups hold [${saved.join(', ')}] parameters, the optimizer's hold [${sizes.join(', ')}]`,
      );
    }
    const options = dict.paramGroups.map((g, i) => {
      const { params: _indices, ...hyper } = g;
      const merged = { ...this.paramGroups[i].options, ...hyper } as H;
      validateHyper(`${where}: group ${i}`, merged);
      return merged;
    });
    for (const [key, entry] of Object.entries(dict.state)) {
      const i = Number(key);
      if (!Number.isInteger(i) || i < 0 || i >= params.length) {
        throw new RangeError(`${where}: state for parameter ${key}, but the optimizer has ${params.length} parameters`);
      }
      if (!Number.isInteger(entry.step) || entry.step < 0) throw new RangeError(`${where}: parameter ${i} has step ${entry.step}`);
      const p = params[i];
      for (const [name, t] of Object.entries(entry.tensors)) {
        const want = this.stateShape(p, name);
        if (!want) throw new RangeError(`${where}: parameter ${i} has unknown state '${name}'`);
        if (!(t instanceof Tensor) || t.isDisposed) throw new TypeError(`${where}: state '${name}' of parameter ${i} is not a live tensor`);
        if (!shapesEqual(t.shape, want) || t.dtype !== p.dtype) {
          throw new RangeError(
            `${where}: state '${name}' of parameter ${i} is ${t.dtype} ${formatShape(t.shape)}, expected ${p.dtype} ${formatShape(want)}`,
          );
        }
      }
    }
    this.disposeState();
    this.paramGroups.forEach((g, i) => Object.assign(g.options, options[i]));
    for (const [key, entry] of Object.entries(dict.state)) {
      const p = params[Number(key)];
      this.steps.set(p, entry.step);
      const tensors: Record<string, Tensor> = {};
      noGrad(() => {
        for (const [name, t] of Object.entries(entry.tensors)) tensors[name] = engine().keep(clone(t));
      });
      this.state.set(p, tensors);
    }
    this.stepCount = Math.max(0, ...Object.values(dict.state).map((e) => e.step));
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const t of Object.values(s)) t.dispose();
    this.state.clear();
    this.steps.clear();
  }

  /** Frees the optimizer's state tensors. */
  dispose(): void {
    this.disposeState();
  }
}

function validateHyper(name: string, options: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0) && !SIGNED.has(key)) {
      throw new RangeError(`${name}: ${key} must be a finite non-negative number, got ${value}`);
    }
  }
}

/** Hyper-parameters that may be negative (Adafactor's β2 decay exponent). */
const SIGNED = new Set(['beta2Decay']);
