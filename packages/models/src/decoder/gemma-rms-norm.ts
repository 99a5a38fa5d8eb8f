import { Module, fill, parameter, rmsNorm, type Tensor } from '@peftjs/core';

/** Gemma's RMSNorm: x / sqrt(mean(x²) + eps) · (1 + weight), the weight starting at zero. */
export class GemmaRMSNorm extends Module<[Tensor], Tensor> {
  constructor(
    readonly dim: number,
    readonly eps = 1e-6,
  ) {
    super();
    this.registerParameter('weight', parameter(fill([dim], 0)));
  }

  get weight(): Tensor {
    return this.get('weight')!;
  }

  forward(x: Tensor): Tensor {
    const scale = this.weight.add(1);
    try {
      return rmsNorm(x, [this.dim], scale, this.eps);
    } finally {
      scale.dispose();
    }
  }
}
