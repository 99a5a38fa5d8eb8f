import { Linear, Module, add, fill, matmul, mul, noGrad, type Tensor } from '@peftjs/core';

/**
 * A minimal LoRA layer for this page (Hu et al., 2021): a frozen `Linear` plus a trainable low-rank
 * update, y = base(x) + (alpha / r) · x Aᵀ Bᵀ. A [r, in] starts kaiming-uniform (a = √5, as HF PEFT
 * does), B [out, r] at zero, so training starts from the base model exactly. Parameter names follow
 * HF PEFT (`base_layer`, `lora_A.weight`, `lora_B.weight`). @peftjs/methods replaces this with the
 * full method (adapters by name, dropout, merging, the HF file format).
 */
export class LoraLinear extends Module {
  readonly loraA: Linear;
  readonly loraB: Linear;
  readonly scaling: number;

  constructor(readonly baseLayer: Linear, readonly r: number, readonly alpha: number) {
    super();
    if (!Number.isInteger(r) || r < 1) throw new RangeError(`LoraLinear: r must be a positive integer, got ${r}`);
    this.registerModule('base_layer', baseLayer);
    for (const p of baseLayer.parameters()) p.requiresGrad = false;
    // Linear's own init is kaiming-uniform with a = √5: bound 1/√in for A
    this.loraA = this.registerModule('lora_A', new Linear(baseLayer.inFeatures, r, { bias: false }));
    this.loraB = this.registerModule('lora_B', new Linear(r, baseLayer.outFeatures, { bias: false }));
    noGrad(() => {
      const zeros = fill([baseLayer.outFeatures, r], 0);
      this.loraB.weight.assign(zeros);
      zeros.dispose();
    });
    this.scaling = alpha / r;
  }

  forward(x: Tensor): Tensor {
    const update = matmul(matmul(x, this.loraA.weight, { transposeB: true }), this.loraB.weight, { transposeB: true });
    return add(this.baseLayer.forward(x), mul(update, this.scaling));
  }
}

/** Parameters that train (LoRA's A and B once the base is frozen) and all parameters. */
export function countParameters(model: Module): { trainable: number; total: number } {
  let trainable = 0;
  let total = 0;
  for (const p of model.parameters()) {
    total += p.size;
    if (p.requiresGrad) trainable += p.size;
  }
  return { trainable, total };
}
