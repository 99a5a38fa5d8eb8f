import { bernoulli, conv2d, matmul, mean, mul, tidy, type Conv2d, type Tensor } from '@peftjs/core';
import { patternValue } from '../tuners/targets.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import type { LycorisConfigFields } from './config.js';
import type { PeftConfig } from '../method/peft-config.js';
import type { WrapContext } from '../method/layer-method.js';

type LycorisConfig = PeftConfig & LycorisConfigFields;

/**
 * PEFT's LycorisLayer: the base of LoHa and LoKr. An adapter is a ΔW built from small factors
 * (`factorWeight`, already scaled), added as y = base(x) + x ΔWᵀ (a convolution for Conv2d).
 * In training, rank dropout zeroes rows of ΔW and module dropout skips the adapter.
 */
export abstract class LycorisLayer<C extends LycorisConfig> extends TunerLayer<C> {
  readonly r = this.adapterMap<number>();
  readonly alpha = this.adapterMap<number>();
  readonly scaling = this.adapterMap<number>();

  /** ΔW of `adapter` in the base weight's shape, scaled by alpha / r. */
  protected abstract factorWeight(adapter: string): Tensor;

  /** Whether rank dropout rescales the kept rows by 1 / (their share) (LoHa always; LoKr when asked). */
  protected abstract rankDropoutScale(adapter: string): boolean;

  /** The weight as these methods see it: [out, in] for Linear, [out, in·kh·kw] for Conv2d. */
  protected matrixShape(): [number, number] {
    const { kind, weight, outFeatures } = this.base;
    if (kind === 'conv2d') return [outFeatures, weight.size / outFeatures];
    return [outFeatures, this.base.inFeatures];
  }

  /** Records r, alpha and scaling from the config and its patterns; returns r. */
  protected setRank({ adapterName, config, key }: WrapContext<C>): number {
    const r = patternValue(config.rankPattern, key, config.r);
    const alpha = patternValue(config.alphaPattern, key, config.alpha);
    this.configs.set(adapterName, config);
    this.r.set(adapterName, r);
    this.alpha.set(adapterName, alpha);
    this.scaling.set(adapterName, alpha / r);
    return r;
  }

  override deltaWeight(adapter: string): Tensor {
    return this.factorWeight(adapter);
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    const { rankDropout, moduleDropout } = this.config(adapter);
    return tidy(() => {
      let delta = this.factorWeight(adapter);
      if (this.training && rankDropout > 0) {
        // PEFT: rows of ΔW kept where rand > p, optionally divided by the kept share
        const rows = [delta.shape[0]!, ...delta.shape.slice(1).map(() => 1)];
        let keep = bernoulli(rows, 1 - rankDropout, { dtype: delta.dtype });
        if (this.rankDropoutScale(adapter)) keep = keep.div(mean(keep));
        delta = mul(delta, keep);
      }
      if (delta.dtype !== x.dtype) delta = delta.cast(x.dtype);
      const base = this.baseLayer;
      let y = this.base.kind === 'conv2d' ? conv2d(x, delta, null, (base as Conv2d).options) : matmul(x, delta, { transposeB: true });
      // PEFT adds the adapter only when rand(1) > p: a 0/1 factor does the same without reading the draw back
      if (this.training && moduleDropout > 0) y = mul(y, bernoulli([1], 1 - moduleDropout, { dtype: y.dtype }));
      return y;
    });
  }
}
