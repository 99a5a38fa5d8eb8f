import { matmul, parameter, rand, randn, tidy, zeros, type Tensor } from '@peftjs/core';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { dottedPatternValue } from '../tuners/dotted-pattern.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import { blockCirculant } from './block-circulant.js';
import type { C3AConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * C3A (circular convolution adaptation) on a Linear: ΔW is block-circulant, one trained kernel of
 * length b per [b, b] block (`c3a_kernel` [out/b, in/b, b]), divided by in_features as PEFT does:
 * y = base(x) + x ΔWᵀ.
 */
export class C3ALayer extends TunerLayer<C3AConfig> {
  readonly adapterLayerNames = ['c3a_kernel'];
  readonly blockSize = this.adapterMap<number>();

  get kernel(): ParameterDict {
    return this.dict('c3a_kernel', () => new ParameterDict());
  }

  updateLayer({ adapterName, config, key }: WrapContext<C3AConfig>): void {
    const { inFeatures, outFeatures } = this.base;
    const b = dottedPatternValue(config.blockSizePattern, key, config.blockSize);
    for (const [name, size] of [
      ['input', inFeatures],
      ['output', outFeatures],
    ] as const) {
      if (size % b !== 0) throw new RangeError(`C3A: the block size ${b} must divide the ${name} size ${size} of module '${key}'`);
    }
    const dtype = this.base.dtype;
    const shape = [outFeatures / b, inFeatures / b, b];
    const init = config.initWeights;
    let kernel: Tensor;
    if (init === true) {
      kernel = zeros(shape, dtype);
    } else if (init === 'gaussian') {
      kernel = randn(shape, { dtype });
    } else {
      // PEFT's uniform bounds: xavier √3·√(2/(in + out)) (also for false), kaiming √(1/in)
      const bound = init === 'kaiming_uniform' ? Math.sqrt(1 / inFeatures) : Math.sqrt(3) * Math.sqrt(2 / (inFeatures + outFeatures));
      kernel = rand(shape, { low: -bound, high: bound, dtype });
    }
    this.configs.set(adapterName, config);
    this.blockSize.set(adapterName, b);
    this.kernel.set(adapterName, parameter(kernel));
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    return tidy(() => matmul(x, this.deltaWeight(adapter), { transposeB: true }));
  }

  /** The block-circulant ΔW / in_features, [out, in]. */
  override deltaWeight(adapter: string): Tensor {
    return tidy(() => blockCirculant(this.kernel.at(adapter)).div(this.base.inFeatures));
  }
}
