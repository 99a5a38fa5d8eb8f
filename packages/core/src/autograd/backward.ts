import { engine } from '../engine.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { GraphNode } from './node.js';
import { noGrad } from './grad-mode.js';
import { add } from '../ops/binary.js';
import { fill, onesLike } from '../ops/creation.js';

export interface BackwardOptions {
  /** Gradient of the root (required unless the root has one element; defaults to 1). */
  gradient?: Tensor;
  /** Keep saved values so backward can run again through the same graph. */
  retainGraph?: boolean;
}

/**
 * Reverse-mode differentiation from `root`: visits the graph in topological order, calls each
 * node's gradient rule, and accumulates (`+=`) into `.grad` of every leaf that requires grad.
 */
export function backward(root: Tensor, options: BackwardOptions = {}): void {
  root.assertAlive('backward', 'tensor');
  if (!root.requiresGrad) {
    throw new Error(`backward: the tensor ${formatShape(root.shape)} does not require grad and has no gradFn`);
  }
  const seed = options.gradient ?? implicitSeed(root);
  if (!shapesEqual(seed.shape, root.shape) || seed.dtype !== root.dtype) {
    throw new RangeError(
      `backward: gradient must be ${root.dtype} ${formatShape(root.shape)}, got ${seed.dtype} ${formatShape(seed.shape)}`,
    );
  }
  noGrad(() => {
    if (root.node === null) {
      accumulateLeaf(root, options.gradient ? engine().alias(seed) : seed);
      return;
    }
    runGraph(root.node, root.outputIndex, options.gradient ? engine().alias(seed) : seed, options.retainGraph ?? false);
  });
}

function implicitSeed(root: Tensor): Tensor {
  if (root.size !== 1) {
    throw new RangeError(
      `backward: a gradient can be implied only for one-element outputs, got shape ${formatShape(root.shape)}; pass { gradient }`,
    );
  }
  return noGrad(() => onesLike(root));
}

function runGraph(rootNode: GraphNode, rootOutput: number, seed: Tensor, retainGraph: boolean): void {
  const pending = countConsumers(rootNode);
  const grads = new Map<GraphNode, (Tensor | null)[]>();
  grads.set(rootNode, slot(rootNode, rootOutput, seed));
  const ready: GraphNode[] = [rootNode];
  while (ready.length > 0) {
    const node = ready.pop()!;
    const dys = (grads.get(node) ?? []).slice();
    grads.delete(node);
    if (node.freed) {
      dys.forEach((t) => t?.dispose());
      throw new Error(
        `backward: ${node.rule.op}'s saved values were already freed by an earlier backward; pass { retainGraph: true } to the first call`,
      );
    }
    const filled = dys.map((g, i) => g ?? fill(node.outputs[i].shape, 0, node.outputs[i].dtype, node.backend));
    const inputGrads = owned(engine().scoped(() => node.rule.backward(filled, node.ctx)));
    filled.forEach((g) => {
      if (!inputGrads.includes(g)) g.dispose();
    });
    if (!retainGraph) node.freeSaved();
    node.edges.forEach((edge, i) => {
      const g = inputGrads[i] ?? null;
      if (g && !shapesEqual(g.shape, node.ctx.inputShapes[i])) {
        throw new Error(
          `backward: the gradient rule of ${node.rule.op} returned ${formatShape(g.shape)} for input ${i}, expected ${formatShape(node.ctx.inputShapes[i])}`,
        );
      }
      if (!edge) {
        g?.dispose();
      } else if ('leaf' in edge) {
        if (g) accumulateLeaf(edge.leaf, g);
      } else {
        if (g) {
          const list = grads.get(edge.node) ?? new Array<Tensor | null>(edge.node.outputs.length).fill(null);
          const prev = list[edge.output];
          list[edge.output] = prev ? sumAndDispose(prev, g) : g;
          grads.set(edge.node, list);
        }
        const left = pending.get(edge.node)! - 1;
        pending.set(edge.node, left);
        if (left === 0) ready.push(edge.node);
      }
    });
  }
}

/** How many edges from reachable nodes point at each reachable node. */
function countConsumers(root: GraphNode): Map<GraphNode, number> {
  const counts = new Map<GraphNode, number>([[root, 0]]);
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const e of node.edges) {
      if (!e || !('node' in e)) continue;
      const seen = counts.has(e.node);
      counts.set(e.node, (counts.get(e.node) ?? 0) + 1);
      if (!seen) stack.push(e.node);
    }
  }
  return counts;
}

function slot(node: GraphNode, output: number, g: Tensor): (Tensor | null)[] {
  const list = new Array<Tensor | null>(node.outputs.length).fill(null);
  list[output] = g;
  return list;
}

/** A rule may return one tensor for several inputs (add's dy); give each input its own handle. */
function owned(list: readonly (Tensor | null)[]): (Tensor | null)[] {
  const seen = new Set<Tensor>();
  return list.map((g) => {
    if (!g) return null;
    if (seen.has(g)) return engine().alias(g);
    seen.add(g);
    return g;
  });
}

function sumAndDispose(a: Tensor, b: Tensor): Tensor {
  const s = add(a, b);
  a.dispose();
  b.dispose();
  return s;
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.isDisposed) {
    g.dispose();
    return;
  }
  if (g.dtype !== leaf.dtype) {
    throw new TypeError(`backward: gradient dtype ${g.dtype} does not match the ${leaf.dtype} leaf ${formatShape(leaf.shape)}`);
  }
  const previous = leaf.grad;
  leaf.grad = previous ? add(previous, g) : g;
  if (previous) g.dispose();
}
