/**
 * Activation checkpointing (PyTorch's torch.utils.checkpoint): run a function without keeping its
 * intermediate values, keep only its inputs, and run it again in backward to get its gradients.
 * Memory for the function's activations is traded for one more forward.
 */
import { engine } from '../engine.js';
import { Tensor } from '../tensor.js';
import { backward } from './backward.js';
import { enableGrad, noGrad } from './grad-mode.js';
import type { GradContext, GradientRule } from './node.js';
import { add, mul } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';

interface CheckpointAttrs {
  /** The global Philox state before the forward, so the rerun draws the same dropout masks. */
  rngState: ReturnType<ReturnType<typeof engine>['generator']['getState']>;
}

/**
 * `checkpoint(fn, ...inputs)`: fn(...inputs) computed without recording a graph; in backward, fn
 * runs again with the saved inputs (and the global random state it first saw, so dropout repeats
 * its mask) and its graph is differentiated at once. Gradients reach `inputs` and every parameter
 * fn uses, exactly as without the checkpoint. Tensors fn needs must be passed as inputs (or be
 * parameters): anything else it closes over must stay alive until backward. fn must be
 * deterministic apart from the global generator, and the modules it calls must stay in the same
 * train/eval mode until backward.
 */
export function checkpoint<Inputs extends Tensor[], R extends Tensor | Tensor[]>(fn: (...inputs: Inputs) => R, ...inputs: Inputs): R {
  const e = engine();
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`checkpoint: input ${i} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    t.assertAlive('checkpoint', `input ${i}`);
  });
  if (!e.gradEnabled) return fn(...inputs);
  const rngState = e.generator.getState();
  const outer = e.gradWatch;
  const watch = { sawGradInput: false };
  e.gradWatch = watch;
  let result: R;
  try {
    // in its own scope: what fn makes and does not return is freed now, not by an enclosing tidy
    result = noGrad(() => e.scoped(() => fn(...inputs)));
  } finally {
    e.gradWatch = outer;
    if (outer && watch.sawGradInput) outer.sawGradInput = true;
  }
  const outputs = Array.isArray(result) ? result : [result];
  if (!outputs.every((t) => t instanceof Tensor)) throw new TypeError('checkpoint: fn must return a Tensor or an array of Tensors');
  const needsGrad = watch.sawGradInput || inputs.some((t) => t.requiresGrad);
  const floats = outputs.filter((t) => t.dtype === 'float32' || t.dtype === 'float64');
  if (!needsGrad || floats.length === 0) return result;
  // fresh handles, so outputs that are inputs or views of each other each get their own node
  const recorded = outputs.map((t) => e.alias(t));
  outputs.forEach((t) => t.dispose());
  e.record(checkpointRule(fn), { op: 'checkpoint', inputs, attrs: { rngState } }, recorded);
  return (Array.isArray(result) ? recorded : recorded[0]) as R;
}

function checkpointRule<Inputs extends Tensor[]>(fn: (...inputs: Inputs) => Tensor | Tensor[]): GradientRule<CheckpointAttrs> {
  return {
    op: 'checkpoint',
    backward: (dys, ctx) => recompute(fn, dys, ctx),
  };
}

/** Reruns fn on leaves that share the saved inputs' storage and backpropagates `dys` through it. */
function recompute<Inputs extends Tensor[]>(
  fn: (...inputs: Inputs) => Tensor | Tensor[],
  dys: readonly Tensor[],
  ctx: GradContext<CheckpointAttrs>,
): (Tensor | null)[] {
  const e = engine();
  const leaves = ctx.inputs.map((saved, i) => {
    const leaf = e.alias(saved);
    if (ctx.needsGrad[i]) leaf.requiresGrad = true;
    return leaf;
  }) as Inputs;
  const current = e.generator.getState();
  e.generator.setState(ctx.attrs.rngState);
  try {
    const result = enableGrad(() => fn(...leaves));
    const outputs = Array.isArray(result) ? result : [result];
    if (outputs.length !== dys.length)
      throw new Error(`checkpoint: the rerun returned ${outputs.length} outputs, the forward ${dys.length}`);
    const live = outputs.map((out, i) => [out, dys[i]] as const).filter(([out]) => out.requiresGrad);
    if (live.length === 1) backward(live[0][0], { gradient: live[0][1] });
    else if (live.length > 1) {
      // one scalar root Σ sum(out·dy), so a single backward covers every output
      backward(enableGrad(() => live.map(([out, dy]) => sum(mul(out, dy))).reduce((a, b) => add(a, b))));
    }
    return leaves.map((leaf, i) => (ctx.needsGrad[i] && leaf.grad ? e.alias(leaf.grad) : null));
  } finally {
    e.generator.setState(current);
    leaves.forEach((l) => l.dispose());
  }
}
