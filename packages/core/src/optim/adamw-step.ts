import { engine } from '../engine.js';
import type { AdamWStepAttrs } from '../kernels.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * AdamW's update as the backend's fused `adamwStep` kernel: [p', m', v'], or null where the backend
 * has no such kernel (or the operands do not fit it), so the optimizer composes the update from ops.
 * Runs outside the graph (optimizers step under noGrad).
 */
export function fusedAdamWStep(
  p: Tensor,
  grad: Tensor,
  m: Tensor | undefined,
  v: Tensor | undefined,
  attrs: AdamWStepAttrs,
): [Tensor, Tensor, Tensor] | null {
  const kernel = p.ref.backend.kernels.adamwStep;
  if (!kernel || (m === undefined) !== (v === undefined)) return null;
  const operands = m && v ? [grad, m, v] : [grad];
  if (operands.some((t) => t.dtype !== p.dtype || !shapesEqual(t.shape, p.shape))) return null;
  const out = { shape: p.shape, dtype: p.dtype };
  const [next, m1, v1] = engine().execute({
    op: 'adamwStep',
    inputs: [p, ...operands],
    outputs: [out, out, out],
    run: (b, [pi, gi, mi, vi], [po, mo, vo]) =>
      b.kernels.adamwStep!({ param: pi, grad: gi, m: mi ?? null, v: vi ?? null, paramOut: po, mOut: mo, vOut: vo, ...attrs }),
  });
  return [next, m1, v1];
}
