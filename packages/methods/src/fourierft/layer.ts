import { matmul, mul, parameter, randn, tidy, zeros, type Tensor } from '@peftjs/core';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import { frequencyCount, type FourierFTConfig } from './config.js';
import { realInverseDft2 } from './dft.js';
import { spectrumPositions, type SpectrumPositions } from './positions.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * FourierFT (Gao et al., 2024) on a Linear or Conv1D: the layer trains `n_frequency` entries of
 * an [out, in] spectrum (`fourierft_spectrum`, at positions PEFT draws from `random_loc_seed`);
 * ΔW = scaling · Re(IDFT2(S)) and y = base(x) + x ΔWᵀ.
 */
export class FourierFTLayer extends TunerLayer<FourierFTConfig> {
  readonly adapterLayerNames = ['fourierft_spectrum'];
  /** The spectrum's positions per adapter (PEFT's `indices`: fixed by the seed, not saved). */
  readonly positions = this.adapterMap<SpectrumPositions>();

  get spectrum(): ParameterDict {
    return this.dict('fourierft_spectrum', () => new ParameterDict());
  }

  updateLayer({ adapterName, config, key }: WrapContext<FourierFTConfig>): void {
    const { inFeatures, outFeatures } = this.base;
    const count = frequencyCount(config, key);
    if (count > inFeatures * outFeatures) {
      throw new RangeError(
        `FourierFT: nFrequency (n_frequency) ${count} is more than the ${outFeatures}×${inFeatures} entries of module '${key}'`,
      );
    }
    if (config.randomLocSeed === null)
      throw new TypeError(`FourierFT: randomLocSeed (random_loc_seed) is needed to place the spectrum of module '${key}'`);
    const dtype = this.base.dtype;
    this.configs.set(adapterName, config);
    this.positions.set(adapterName, spectrumPositions(outFeatures, inFeatures, count, config.randomLocSeed));
    this.spectrum.set(adapterName, parameter(config.initWeights ? zeros([count], dtype) : randn([count], { dtype })));
  }

  /** scaling · Re(IDFT2(S)) as [out, in]. */
  private deltaOutIn(adapter: string): Tensor {
    const { rows, cols } = this.positions.get(adapter)!;
    const { inFeatures, outFeatures } = this.base;
    return tidy(() => mul(realInverseDft2(this.spectrum.at(adapter), outFeatures, inFeatures, rows, cols), this.config(adapter).scaling));
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    return tidy(() => matmul(x, this.deltaOutIn(adapter), { transposeB: true }));
  }

  /** ΔW in the base weight's layout ([in, out] for Conv1D). */
  override deltaWeight(adapter: string): Tensor {
    return tidy(() => {
      const delta = this.deltaOutIn(adapter);
      return this.base.fanInFanOut ? delta.transpose(0, 1).contiguous() : delta;
    });
  }
}
