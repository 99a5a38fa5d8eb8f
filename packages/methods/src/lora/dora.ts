import { Module, noGrad, parameter, sqrt, square, sum, transpose, reshape, type Tensor } from '@peftjs/core';

/**
 * DoRA (Liu et al., 2024): the adapted weight is split into a magnitude m (one number per output
 * row) and a direction W + ΔW, giving m ⊙ (W + ΔW) / ‖W + ΔW‖. PEFT keeps m as the `weight` of a
 * module in `lora_magnitude_vector.<adapter>` (saved without `.weight`, as PEFT's files have it).
 */
export class DoraMagnitude extends Module {
  constructor(magnitude: Tensor) {
    super();
    this.registerParameter('weight', parameter(magnitude));
  }

  get weight(): Tensor {
    return this.get('weight')!;
  }

  forward(): never {
    throw new Error('DoraMagnitude: holds the magnitude vector; the LoRA layer applies it');
  }
}

/** How the norm of an adapted weight is taken for each kind of base layer (PEFT's get_weight_norm). */
export type NormLayout =
  /** Linear: weight [out, in], a norm per output row → [out]. */
  | 'rows'
  /** Conv1D (fan-in-fan-out) and Embedding: weight [in, out] / [num, dim], a norm per column → [out] / [dim]. */
  | 'columns'
  /** Conv2d: weight [out, in, kh, kw], a norm per output channel → [1, out, 1, 1]. */
  | 'channels';

/** ‖W + ΔW‖ per output (ΔW already scaled, in W's layout), detached: DoRA treats it as a constant. */
export function doraWeightNorm(combined: Tensor, layout: NormLayout): Tensor {
  return noGrad(() => {
    const sq = square(combined);
    const summed = layout === 'rows' ? sum(sq, 1) : layout === 'columns' ? sum(sq, 0) : sum(sq, [1, 2, 3]);
    const norm = sqrt(summed);
    sq.dispose();
    summed.dispose();
    if (layout !== 'channels') return norm;
    const out = reshape(norm, [1, norm.shape[0]!, 1, 1]).contiguous();
    norm.dispose();
    return out;
  });
}

/**
 * The shape that the factor m / ‖W + ΔW‖ takes to scale W + ΔW when merging: rows of a Linear
 * weight, columns of a Conv1D or Embedding weight, output channels of a Conv2d kernel.
 */
export function mergeFactorShape(layout: NormLayout, weight: Tensor): number[] {
  if (layout === 'rows') return [weight.shape[0]!, 1];
  if (layout === 'columns') return [weight.shape[1]!];
  return [weight.shape[0]!, 1, 1, 1];
}

/** Wᵀ as a new contiguous tensor (for weights stored [in, out]). */
export function transposed(w: Tensor): Tensor {
  const view = transpose(w);
  const t = view.contiguous();
  view.dispose();
  return t;
}
