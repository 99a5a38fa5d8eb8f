import { indexAdd, indexSelect, mul, parameter, randn, tensor, tidy, zeros, type Tensor } from '@peftjs/core';
import { spectrumPositions, type SpectrumPositions } from '../fourierft/positions.js';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import type { WaveFTConfig } from './config.js';
import { frequencyCount } from './frequency-counts.js';
import { spectrumMap, type SpectrumMap } from './idwt-map.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * WaveFT on a Linear or Conv1D: the layer trains `n_frequency` wavelet coefficients of ΔW
 * (`waveft_spectrum`, at positions PEFT draws from `random_loc_seed`); ΔW = scaling · IDWT(S),
 * a one-level 2-D inverse wavelet transform as PEFT computes it, and y = base(x) + x ΔWᵀ.
 * The transform is applied as the sparse linear map it is (each coefficient spreads over L×L
 * entries for a filter of length L), by index-add, so gradients flow on every backend.
 */
export class WaveFTLayer extends TunerLayer<WaveFTConfig> {
  readonly adapterLayerNames = ['waveft_spectrum'];
  /** The spectrum's positions per adapter (PEFT's `waveft_indices`: fixed by the seed, not saved). */
  readonly positions = this.adapterMap<SpectrumPositions>();
  private readonly maps = this.adapterMap<SpectrumMap>();

  get spectrum(): ParameterDict {
    return this.dict('waveft_spectrum', () => new ParameterDict());
  }

  updateLayer(context: WrapContext<WaveFTConfig>): void {
    const { adapterName, config, key } = context;
    const count = frequencyCount(context);
    const { inFeatures, outFeatures } = this.base;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`WaveFT: module '${key}' gets ${count} frequencies; nFrequency (n_frequency) must give it at least 1`);
    if (count > inFeatures * outFeatures) {
      throw new RangeError(
        `WaveFT: nFrequency (n_frequency) ${count} is more than the ${outFeatures}×${inFeatures} entries of module '${key}'`,
      );
    }
    const dtype = this.base.dtype;
    const positions = spectrumPositions(outFeatures, inFeatures, count, config.randomLocSeed);
    this.configs.set(adapterName, config);
    this.positions.set(adapterName, positions);
    this.maps.set(adapterName, spectrumMap(config.waveletFamily, config.useIdwt, outFeatures, inFeatures, positions));
    this.spectrum.set(adapterName, parameter(config.initWeights ? zeros([count], dtype) : randn([count], { std: 0.01, dtype })));
  }

  /** scaling · IDWT(S) as [out, in]. */
  private deltaOutIn(adapter: string): Tensor {
    const { entry, flat, coefficient } = this.maps.get(adapter)!;
    const { inFeatures, outFeatures } = this.base;
    const spectrum = this.spectrum.at(adapter);
    return tidy(() => {
      const dtype = spectrum.dtype;
      const values = mul(indexSelect(spectrum, 0, tensor(entry, { dtype: 'int32' })), tensor(coefficient, { dtype }));
      const delta = indexAdd(zeros([outFeatures * inFeatures], dtype), 0, tensor(flat, { dtype: 'int32' }), values);
      return mul(delta, this.config(adapter).scaling).reshape([outFeatures, inFeatures]);
    });
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    return tidy(() => x.matmul(this.deltaOutIn(adapter), { transposeB: true }));
  }

  /** ΔW in the base weight's layout ([in, out] for Conv1D). */
  override deltaWeight(adapter: string): Tensor {
    return tidy(() => {
      const delta = this.deltaOutIn(adapter);
      return this.base.fanInFanOut ? delta.transpose(0, 1).contiguous() : delta;
    });
  }
}
