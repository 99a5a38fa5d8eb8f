import { add, div, eye, matmul, sqrt, square, sub, sum, type Tensor, tidy } from '@peftjs/core';
import type { TunerModel } from '../tuners/tuner-model.js';
import { AdaLoraLayer } from './layer.js';

/** ‖P Pᵀ − I‖_F (or ‖Pᵀ P − I‖_F with `transposeFirst`). */
function orthogonalityGap(p: Tensor, transposeFirst: boolean): Tensor {
  const cov = transposeFirst ? matmul(p, p, { transposeA: true }) : matmul(p, p, { transposeB: true });
  const id = eye(cov.shape[0]!, cov.shape[1]!, cov.dtype);
  return sqrt(sum(square(sub(cov, id))));
}

/**
 * AdaLoRA's orthogonal regularisation (PEFT's AdaLoraModel.forward): the mean over the adapter's
 * lora_A and lora_B tensors of ‖A Aᵀ − I‖_F and ‖Bᵀ B − I‖_F, which keeps A's rows and B's
 * columns close to orthonormal (singular vectors). Differentiable; null when the adapter has no
 * AdaLoRA layer. PEFT adds orth_reg_weight times this to a model output's loss.
 */
export function orthogonalRegularization(tuner: TunerModel, adapterName: string): Tensor | null {
  return tidy(() => {
    let total: Tensor | null = null;
    let count = 0;
    for (const [, m] of tuner.model.namedModules()) {
      if (!(m instanceof AdaLoraLayer) || !m.hasAdapter(adapterName)) continue;
      for (const [p, transposeFirst] of [
        [m.loraA.at(adapterName), false],
        [m.loraB.at(adapterName), true],
      ] as const) {
        const gap = orthogonalityGap(p, transposeFirst);
        total = total ? add(total, gap) : gap;
        count++;
      }
    }
    return total ? div(total, count) : null;
  });
}
