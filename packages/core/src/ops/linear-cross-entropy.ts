/**
 * Cross-entropy of a linear head's logits, computed over slices of the rows so the [N, V] logits
 * never exist at once (Liger's fused linear cross-entropy). With a 150k-token vocabulary the full
 * logits of a 4 × 512 batch are 1.2 GB in float32; a slice of them is about as big as the hidden
 * states. The loss is the terminal node, so each slice's gradient (softmax − one-hot) is taken in
 * the forward, turned into the slice's dHidden = dLogits·W and dW += dLogitsᵀ·hidden, and the
 * logits are freed; backward only scales the saved gradients by the incoming one.
 */
import { customOp } from '../autograd/custom-op.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { valueAndGrad } from '../autograd/value-and-grad.js';
import { engine } from '../engine.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, ne } from './binary.js';
import { cast } from './cast.js';
import { concat } from './join.js';
import { crossEntropy } from './loss.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { assertFloat, assertTensor } from './tensor-like.js';
import { slice } from './views.js';

export interface LinearCrossEntropyOptions {
  /** Bias of the head [V] (none by default, as LM heads have). */
  bias?: Tensor | null;
  /** Targets equal to this count for nothing (default -100). */
  ignoreIndex?: number;
  /** Rows a slice (default: about N·H/V rounded up to a power of two, so a slice of logits is about the size of the hidden states). */
  chunkSize?: number;
  /** 'mean' over the targets that are not ignored (default) or 'sum'. */
  reduction?: 'mean' | 'sum';
}

/** Liger's choice: slices whose logits [rows, V] are about as large as the hidden states [N, H]. */
export function defaultChunkSize(rows: number, hidden: number, vocab: number): number {
  const slices = Math.ceil(vocab / hidden);
  return Math.min(rows, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(rows / slices)))));
}

/**
 * crossEntropy(hidden [N, H] @ weightᵀ [H, V] + bias, target [N]) without the whole [N, V] logits:
 * equal to the plain expression (same kernels, summed slice by slice) with its gradients for
 * hidden, weight and bias.
 */
export function linearCrossEntropy(hidden: Tensor, weight: Tensor, target: Tensor, options: LinearCrossEntropyOptions = {}): Tensor {
  const op = 'linearCrossEntropy';
  const { bias = null, ignoreIndex = -100, reduction = 'mean' } = options;
  assertTensor(hidden, op, 'hidden');
  assertTensor(weight, op, 'weight');
  assertTensor(target, op, 'target');
  assertFloat(hidden, op, 'hidden');
  assertFloat(weight, op, 'weight');
  const [n, h] = hidden.shape;
  if (hidden.rank !== 2 || weight.rank !== 2 || weight.shape[1] !== h) {
    throw new RangeError(
      `${op}: expected hidden [N, H] and weight [V, H], got ${formatShape(hidden.shape)} and ${formatShape(weight.shape)}`,
    );
  }
  const v = weight.shape[0];
  if (target.dtype !== 'int32' || target.rank !== 1 || target.shape[0] !== n) {
    throw new RangeError(`${op}: target must be int32 [${n}], got ${target.dtype} ${formatShape(target.shape)}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== v)) throw new RangeError(`${op}: bias must be [${v}], got ${formatShape(bias.shape)}`);
  if (reduction !== 'mean' && reduction !== 'sum')
    throw new RangeError(`${op}: reduction must be 'mean' or 'sum', got ${String(reduction)}`);
  const chunk = options.chunkSize ?? defaultChunkSize(n, h, v);
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`${op}: chunkSize must be a positive integer, got ${chunk}`);
  const params = bias ? [hidden, weight, target, bias] : [hidden, weight, target];
  const wants = params.map((t) => isGradEnabled() && t.requiresGrad);
  const run = customOp({
    name: op,
    forward: (ctx, ...inputs: Tensor[]) => {
      const [x, w, t, b] = inputs;
      const wantsAny = wants[0] || wants[1] || wants[3];
      // running sums live outside the slices' scopes: each new one replaces (and frees) the last
      const accumulate = (prev: Tensor | null, next: Tensor): Tensor => {
        if (!prev) return engine().keep(next);
        const s = engine().keep(add(prev, next));
        prev.dispose();
        return s;
      };
      let total: Tensor | null = null;
      let dw: Tensor | null = null;
      let db: Tensor | null = null;
      const dx: Tensor[] = [];
      for (let start = 0; start < n; start += chunk) {
        engine().scoped(() => {
          const xc = slice(x, 0, start, Math.min(n, start + chunk));
          const tc = slice(t, 0, start, Math.min(n, start + chunk));
          const logits = b ? add(matmul(xc, w, { transposeB: true }), b) : matmul(xc, w, { transposeB: true });
          const loss = (l: Tensor) => crossEntropy(l, tc, { ignoreIndex, reduction: 'sum' });
          if (!wantsAny) {
            total = accumulate(total, loss(logits));
            return;
          }
          const {
            value,
            grads: [dl],
          } = valueAndGrad(loss)(logits);
          total = accumulate(total, value);
          if (wants[0]) dx.push(engine().keep(matmul(dl, w)));
          if (wants[1]) dw = accumulate(dw, matmul(dl, xc, { transposeA: true }));
          if (wants[3]) db = accumulate(db, sum(dl, 0));
        });
      }
      const kept = [total!, ...dx, dw, db].filter((g): g is Tensor => g !== null);
      try {
        const count = reduction === 'mean' ? sum(cast(ne(t, ignoreIndex), x.dtype)) : null;
        const scale = (g: Tensor) => (count ? div(g, count) : engine().alias(g));
        const grads = [wants[0] ? (dx.length === 1 ? dx[0] : concat(dx, 0)) : null, dw, null, db].slice(0, inputs.length);
        ctx.attrs.has = grads.map((g) => g !== null);
        ctx.saveForBackward(...grads.filter((g): g is Tensor => g !== null).map(scale));
        return scale(total!);
      } finally {
        kept.forEach((k) => k.dispose());
      }
    },
    backward: (ctx, g) => {
      let next = 0;
      return (ctx.attrs.has as boolean[]).map((has) => (has ? mul(ctx.saved[next++], g) : null));
    },
  });
  return engine().scoped(() => run(...params) as Tensor);
}
