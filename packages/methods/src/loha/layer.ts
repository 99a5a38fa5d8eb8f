import { matmul, mul, parameter, tidy, zeros, type Tensor } from '@peftjs/core';
import { LycorisLayer } from '../lycoris/layer.js';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { kaimingUniform } from '../tuners/kaiming-uniform.js';
import type { LoHaConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

const FACTORS = ['hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b'] as const;

/**
 * LoHa (Hyeon-Woo et al., FedPara) on a Linear or Conv2d: ΔW = (α/r) (W1a W1b) ⊙ (W2a W2b), a
 * Hadamard product of two rank-r products, with W·a [out, r] and W·b [r, in] (in·kh·kw for Conv2d).
 */
export class LoHaLayer extends LycorisLayer<LoHaConfig> {
  readonly adapterLayerNames = [...FACTORS];

  factor(name: (typeof FACTORS)[number]): ParameterDict {
    return this.dict(name, () => new ParameterDict());
  }

  updateLayer(context: WrapContext<LoHaConfig>): void {
    const { adapterName, config, key } = context;
    if (
      this.base.kind === 'conv2d' &&
      config.useEffectiveConv2d &&
      this.base.weight.size / (this.base.outFeatures * this.base.inFeatures) > 1
    ) {
      throw new TypeError(
        `LoHa: useEffectiveConv2d (use_effective_conv2d) for Conv2d kernels larger than 1×1 is not supported by peft.js (module '${key}')`,
      );
    }
    const r = this.setRank(context);
    const [out, inFlat] = this.matrixShape();
    const dtype = this.base.dtype;
    // PEFT: He init for all factors; with init_weights, W2b starts at zero so ΔW = 0
    this.factor('hada_w1_a').set(adapterName, parameter(kaimingUniform([out, r], dtype)));
    this.factor('hada_w1_b').set(adapterName, parameter(kaimingUniform([r, inFlat], dtype)));
    this.factor('hada_w2_a').set(adapterName, parameter(kaimingUniform([out, r], dtype)));
    this.factor('hada_w2_b').set(
      adapterName,
      parameter(config.initWeights ? zeros([r, inFlat], dtype) : kaimingUniform([r, inFlat], dtype)),
    );
  }

  protected factorWeight(adapter: string): Tensor {
    return tidy(() => {
      const w1 = matmul(this.factor('hada_w1_a').at(adapter), this.factor('hada_w1_b').at(adapter));
      const w2 = matmul(this.factor('hada_w2_a').at(adapter), this.factor('hada_w2_b').at(adapter));
      return mul(mul(w1, w2), this.scaling.get(adapter)!).reshape(
        this.base.kind === 'conv2d' ? this.base.weight.shape : [this.base.outFeatures, this.base.inFeatures],
      );
    });
  }

  protected rankDropoutScale(): boolean {
    return true;
  }
}
