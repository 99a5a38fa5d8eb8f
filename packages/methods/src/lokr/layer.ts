import { matmul, mul, parameter, tidy, zeros, type Tensor } from '@peftjs/core';
import { LycorisLayer } from '../lycoris/layer.js';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { kaimingUniform } from '../tuners/kaiming-uniform.js';
import type { LoKrConfig } from './config.js';
import { factorization } from './factorization.js';
import type { WrapContext } from '../method/layer-method.js';

const FACTORS = ['lokr_w1', 'lokr_w1_a', 'lokr_w1_b', 'lokr_w2', 'lokr_w2_a', 'lokr_w2_b'] as const;
type FactorName = (typeof FACTORS)[number];

/**
 * The Kronecker product A ⊗ B of two matrices, from broadcasting:
 * (A ⊗ B)[i·p + k, j·q + l] = A[i, j] · B[k, l] for A [m, n] and B [p, q].
 */
export function kron(a: Tensor, b: Tensor): Tensor {
  return tidy(() => {
    const [m, n] = a.shape as [number, number];
    const [p, q] = b.shape as [number, number];
    return mul(a.reshape([m, 1, n, 1]), b.reshape([1, p, 1, q])).reshape([m * p, n * q]);
  });
}

/**
 * LoKr (LyCORIS) on a Linear or Conv2d: ΔW = (α/r) W1 ⊗ W2, with out = a·b and in = c·d split by
 * `factorization`; W1 [a, c] is a full matrix (or W1a W1b with `decomposeBoth` and a small r), W2
 * [b, d] (d·kh·kw for Conv2d) a full matrix when r ≥ max(b, d)/2, else W2a W2b.
 */
export class LoKrLayer extends LycorisLayer<LoKrConfig> {
  readonly adapterLayerNames = [...FACTORS];

  factor(name: FactorName): ParameterDict {
    return this.dict(name, () => new ParameterDict());
  }

  private entry(name: FactorName, adapter: string): Tensor | undefined {
    return this.has(name) ? this.factor(name).entry(adapter) : undefined;
  }

  updateLayer(context: WrapContext<LoKrConfig>): void {
    const { adapterName, config, key } = context;
    const { kind, inFeatures, outFeatures } = this.base;
    // a quantized base is a Linear: one element a (out, in) pair
    const kernel = kind === 'conv2d' ? this.base.weight.size / (outFeatures * inFeatures) : 1;
    if (kind === 'conv2d' && config.useEffectiveConv2d && kernel > 1) {
      throw new TypeError(
        `LoKr: useEffectiveConv2d (use_effective_conv2d) for Conv2d kernels larger than 1×1 is not supported by peft.js (module '${key}')`,
      );
    }
    const r = this.setRank(context);
    for (const name of FACTORS) if (this.has(name)) this.factor(name).delete(adapterName);
    const [inM, inN] = factorization(inFeatures, config.decomposeFactor);
    const [outL, outK] = factorization(outFeatures, config.decomposeFactor);
    const useW1 = !(config.decomposeBoth && r < Math.max(outL, inM) / 2);
    const useW2 = r >= Math.max(outK, inN) / 2;
    const dtype = this.base.dtype;
    const init = config.initWeights;
    // PEFT: He init everywhere, except one zero factor so that ΔW = 0 (W1 by default, W2 with 'lycoris')
    const make = (shape: number[], zero: boolean) => parameter(zero ? zeros(shape, dtype) : kaimingUniform(shape, dtype));
    if (useW1) {
      this.factor('lokr_w1').set(adapterName, make([outL, inM], init === true));
    } else {
      this.factor('lokr_w1_a').set(adapterName, make([outL, r], init === true));
      this.factor('lokr_w1_b').set(adapterName, make([r, inM], false));
    }
    if (useW2) {
      this.factor('lokr_w2').set(
        adapterName,
        make(kind === 'conv2d' ? [outK, inN, ...this.base.weight.shape.slice(2)] : [outK, inN], init === 'lycoris'),
      );
    } else {
      this.factor('lokr_w2_a').set(adapterName, make([outK, r], false));
      this.factor('lokr_w2_b').set(adapterName, make([r, inN * kernel], init === 'lycoris'));
    }
  }

  protected factorWeight(adapter: string): Tensor {
    return tidy(() => {
      const w1 = this.entry('lokr_w1', adapter) ?? matmul(this.factor('lokr_w1_a').at(adapter), this.factor('lokr_w1_b').at(adapter));
      const full = this.entry('lokr_w2', adapter);
      // a full Conv2d W2 [b, d, kh, kw] enters the product as the matrix [b, d·kh·kw]
      const w2 = full
        ? full.reshape([full.shape[0]!, -1])
        : matmul(this.factor('lokr_w2_a').at(adapter), this.factor('lokr_w2_b').at(adapter));
      return mul(kron(w1, w2), this.scaling.get(adapter)!).reshape(
        this.base.kind === 'conv2d' ? this.base.weight.shape : [this.base.outFeatures, this.base.inFeatures],
      );
    });
  }

  protected rankDropoutScale(adapter: string): boolean {
    return this.config(adapter).rankDropoutScale;
  }
}
