import { engine } from '../engine.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul, where } from './binary.js';
import { matmul } from './matmul.js';
import { softmax } from './softmax.js';
import { assertFloat, assertTensor } from './tensor-like.js';

export interface AttentionOptions {
  /** Additive float mask, or a bool mask where true means "may attend"; broadcast to [..., Tq, Tk]. */
  attnMask?: Tensor;
  /** Mask out keys after the query position (aligned to the end when Tk > Tq, as with a KV cache). */
  isCausal?: boolean;
  /** Defaults to 1/sqrt(head dim). */
  scale?: number;
}

/** softmax(q kᵀ · scale + mask) v, composed from primitives (PyTorch's F.scaled_dot_product_attention). */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  for (const [name, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const) {
    assertTensor(t, 'scaledDotProductAttention', name);
    assertFloat(t, 'scaledDotProductAttention', name);
    if (t.rank < 2) throw new RangeError(`scaledDotProductAttention: ${name} must be [..., T, D], got ${formatShape(t.shape)}`);
  }
  const d = q.shape[q.rank - 1];
  if (k.shape[k.rank - 1] !== d) {
    throw new RangeError(`scaledDotProductAttention: q ${formatShape(q.shape)} and k ${formatShape(k.shape)} differ in the last dimension`);
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  return engine().scoped(() => {
    let scores = mul(matmul(q, k, { transposeB: true }), scale);
    const tq = q.shape[q.rank - 2];
    const tk = k.shape[k.rank - 2];
    if (options.isCausal) scores = where(causalMask(tq, tk, q), scores, -Infinity);
    if (options.attnMask) {
      const m = options.attnMask;
      scores = m.dtype === 'bool' ? where(m, scores, -Infinity) : add(scores, m);
    }
    return matmul(softmax(scores, -1), v);
  });
}

/** bool [tq, tk] on q's backend: query i may attend to key j when j <= i + (tk − tq). */
function causalMask(tq: number, tk: number, like: Tensor): Tensor {
  const allowed = new Uint8Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j <= Math.min(tk - 1, i + tk - tq); j++) allowed[i * tk + j] = 1;
  return engine().makeTensor([tq, tk], 'bool', like.ref.backend, allowed);
}
