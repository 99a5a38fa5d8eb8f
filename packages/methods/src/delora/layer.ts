import { Dropout, div, fill, matmul, maximum, mul, noGrad, parameter, rand, sqrt, sum, tidy, type Tensor } from '@peftjs/core';
import { BufferDict, ModuleDict, ParameterDict } from '../tuners/adapter-dict.js';
import { patternValue } from '../tuners/targets.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import type { DeloraConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

/** max(‖·‖, 1e-4) over `dim`, as sqrt(max(Σ·², 1e-8)): the same value, and no NaN gradient at a zero vector. */
function clampedNorm(t: Tensor, dim: number): Tensor {
  return tidy(() => sqrt(maximum(sum(t.square(), dim), 1e-8)));
}

/**
 * DeLoRA (Bini et al., 2025) on a Linear layer: ΔW = B·diag(λ / (r·‖Aᵢ‖·‖Bⁱ‖))·A·diag(‖W_{:,j}‖), a
 * low-rank update whose norm is bounded by the trainable λ. The column norms of the base weight
 * are captured when the adapter is made and saved with it (`delora_w_norm`).
 */
export class DeloraLayer extends TunerLayer<DeloraConfig> {
  readonly adapterLayerNames = ['delora_A', 'delora_B', 'delora_lambda'];
  override readonly otherAdapterLayerNames = ['delora_w_norm', 'delora_dropout'];
  readonly r = this.adapterMap<number>();

  get deloraA(): ParameterDict {
    return this.dict('delora_A', () => new ParameterDict());
  }
  get deloraB(): ParameterDict {
    return this.dict('delora_B', () => new ParameterDict());
  }
  get deloraLambda(): ParameterDict {
    return this.dict('delora_lambda', () => new ParameterDict());
  }
  get deloraWNorm(): BufferDict {
    return this.dict('delora_w_norm', () => new BufferDict());
  }
  get deloraDropout(): ModuleDict<Dropout> {
    return this.dict('delora_dropout', () => new ModuleDict<Dropout>());
  }

  updateLayer({ adapterName, config, key }: WrapContext<DeloraConfig>): void {
    const { inFeatures, outFeatures } = this.base;
    const dtype = this.base.dtype;
    const r = patternValue(config.rankPattern, key, config.r);
    const lambda = patternValue(config.lambdaPattern, key, config.deloraLambda);
    const uniform = (shape: number[], fanIn: number) => rand(shape, { low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn), dtype });
    this.configs.set(adapterName, config);
    this.r.set(adapterName, r);
    this.deloraA.set(adapterName, parameter(uniform([r, inFeatures], inFeatures)));
    this.deloraB.set(adapterName, parameter(config.initWeights ? fill([outFeatures, r], 0, dtype) : uniform([outFeatures, r], r)));
    this.deloraLambda.set(adapterName, parameter(fill([1], lambda, dtype)));
    this.deloraWNorm.set(
      adapterName,
      noGrad(() => tidy(() => sqrt(sum(this.base.weight.square(), 0)))),
    );
    this.deloraDropout.set(adapterName, new Dropout(config.moduleDropout));
  }

  /** λ / (r·‖Aᵢ‖·‖Bⁱ‖) for each of the r components. */
  private scaling(adapter: string): Tensor {
    return tidy(() => {
      const norms = mul(clampedNorm(this.deloraA.at(adapter), 1), clampedNorm(this.deloraB.at(adapter), 0));
      return div(div(this.deloraLambda.at(adapter), this.r.get(adapter)!), norms);
    });
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    const a = this.deloraA.at(adapter);
    return tidy(() => {
      const input = x.cast(a.dtype);
      const dropped = this.deloraDropout.at(adapter).forward(input);
      const h = mul(matmul(mul(dropped, this.deloraWNorm.at(adapter)), a, { transposeB: true }), this.scaling(adapter));
      return matmul(h, this.deloraB.at(adapter), { transposeB: true });
    });
  }

  override deltaWeight(adapter: string): Tensor {
    return tidy(() => {
      const scaledB = mul(this.deloraB.at(adapter), this.scaling(adapter));
      return mul(matmul(scaledB, this.deloraA.at(adapter)), this.deloraWNorm.at(adapter));
    });
  }
}
