import type { Tensor } from '../tensor.js';
import type { Shape } from '../shape.js';
import type { DType } from '../dtype.js';
import type { Backend } from '../backend.js';

/** What a gradient rule sees: saved values, attributes and the inputs' shapes and dtypes. */
export interface GradContext<A = any> {
  readonly op: string;
  /** Inputs as saved at forward time (empty when the rule does not save inputs). */
  readonly inputs: readonly Tensor[];
  /** Outputs as saved at forward time (empty when the rule does not save outputs). */
  readonly outputs: readonly Tensor[];
  /** Extra tensors an op saved (customOp's ctx.saveForBackward, fused kernels' statistics). */
  readonly saved: readonly Tensor[];
  readonly attrs: A;
  readonly inputShapes: readonly Shape[];
  readonly inputDTypes: readonly DType[];
  /** Which inputs need a gradient; a rule may skip work for the others (return null). */
  readonly needsGrad: readonly boolean[];
}

/**
 * A gradient rule, written with ops: given the gradient of each output, the gradient of each
 * input (null where an input has none, like int32 indices).
 */
export interface GradientRule<A = any> {
  readonly op: string;
  /** Keep inputs alive for backward (default true). */
  readonly saveInputs?: boolean;
  /** Keep outputs alive for backward (default false). */
  readonly saveOutputs?: boolean;
  backward(dys: readonly Tensor[], ctx: GradContext<A>): readonly (Tensor | null)[];
}

export type Edge = { node: GraphNode; output: number } | { leaf: Tensor } | null;

/**
 * A node of the graph recorded by a forward op. Reference counted by the output handles that
 * point at it and by downstream nodes; at zero it frees what it saved and lets go of upstream.
 */
export class GraphNode {
  refs = 0;
  freed = false;
  constructor(
    readonly rule: GradientRule,
    readonly ctx: GradContext,
    readonly edges: readonly Edge[],
    /** Shape and dtype of each output (a zero gradient stands in for an output that got none). */
    readonly outputs: readonly { readonly shape: Shape; readonly dtype: DType }[],
    /** Where the outputs live, so backward makes its tensors there too. */
    readonly backend: Backend,
  ) {
    for (const e of edges) if (e && 'node' in e) e.node.retain();
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) {
      this.freeSaved();
      for (const e of this.edges) if (e && 'node' in e) e.node.release();
    }
  }

  /** Frees saved tensors (after backward without retainGraph, or when unreachable). */
  freeSaved(): void {
    if (this.freed) return;
    this.freed = true;
    for (const t of [...this.ctx.inputs, ...this.ctx.outputs, ...this.ctx.saved]) t.dispose();
  }
}
