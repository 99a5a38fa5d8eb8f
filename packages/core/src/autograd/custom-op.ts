import { engine } from '../engine.js';
import { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';
import type { GradientRule } from './node.js';

export interface CustomOpContext {
  /** Keeps tensors for backward (freed with the graph). */
  saveForBackward(...tensors: Tensor[]): void;
  readonly saved: readonly Tensor[];
  /** Any plain values the forward wants the backward to see. */
  readonly attrs: Record<string, unknown>;
}

export interface CustomOpDefinition<Inputs extends Tensor[]> {
  name?: string;
  /** Runs without recording a graph; returns one tensor or several. */
  forward(ctx: CustomOpContext, ...inputs: Inputs): Tensor | Tensor[];
  /** Given the gradient of each output, the gradient of each input (null for none). */
  backward(ctx: CustomOpContext, ...dys: Tensor[]): Tensor | null | (Tensor | null)[];
}

/** PyTorch's autograd.Function: an op with a hand-written forward and backward. */
export function customOp<Inputs extends Tensor[]>(def: CustomOpDefinition<Inputs>): (...inputs: Inputs) => Tensor | Tensor[] {
  const op = def.name ?? 'customOp';
  return (...inputs: Inputs) => {
    const e = engine();
    inputs.forEach((t, i) => t.assertAlive(op, `input ${i}`));
    const saved: Tensor[] = [];
    const ctx: CustomOpContext = {
      saveForBackward: (...ts) => ts.forEach((t) => saved.push(e.alias(t, t.layout, false))),
      saved,
      attrs: {},
    };
    const result = noGrad(() => def.forward(ctx, ...inputs));
    const outputs = Array.isArray(result) ? result : [result];
    if (!outputs.every((t) => t instanceof Tensor)) throw new TypeError(`${op}: forward must return a Tensor or an array of Tensors`);
    const needsGrad = e.gradEnabled && inputs.some((t) => t.requiresGrad);
    if (!needsGrad) {
      saved.forEach((t) => t.dispose());
      return result;
    }
    const rule: GradientRule = {
      op,
      saveInputs: false,
      backward: (dys) => {
        const g = def.backward(ctx, ...dys);
        const list = Array.isArray(g) ? g : [g];
        if (list.length !== inputs.length) {
          throw new Error(`${op}: backward returned ${list.length} gradients for ${inputs.length} inputs`);
        }
        return list;
      },
    };
    // saved aliases are untracked already; the node disposes them when freed
    e.record(rule, { op, inputs, attrs: {}, saved }, outputs);
    return result;
  };
}
