import { requireBaseLayer } from '../tuners/base-weights.js';
import { WaveFTConfig } from './config.js';
import { proportionalFrequencies, setProportionalCounts } from './frequency-counts.js';
import { WaveFTLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** WaveFT: a few trained wavelet coefficients of the weight update; mergeable. */
export const waveft = layerMethod<WaveFTConfig>({
  peftType: 'WAVEFT',
  configClass: WaveFTConfig,
  prefix: 'waveft_',
  layerClass: WaveFTLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'WaveFT', key);
    return new WaveFTLayer(target);
  },
  prepare({ tuner, config }) {
    setProportionalCounts(config.proportionalParameters ? proportionalFrequencies(tuner.model, config) : null);
  },
});
registerPeftMethod(waveft);

export { WaveFTConfig, type WaveFTConfigFields } from './config.js';
export { WaveFTLayer } from './layer.js';
export { daubechiesFilter } from './daubechies.js';
export { reconstructionFilters, waveletReduction, isSupportedWavelet, SUPPORTED_WAVELETS } from './wavelets.js';
export { spectrumMap, type SpectrumMap } from './idwt-map.js';
export { proportionalFrequencies, roundHalfEven } from './frequency-counts.js';
