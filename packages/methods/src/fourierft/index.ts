import { requireBaseLayer } from '../tuners/base-weights.js';
import { FourierFTConfig } from './config.js';
import { FourierFTLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** FourierFT: a few trained entries of the weight update's 2-D Fourier spectrum; mergeable. */
export const fourierft = layerMethod<FourierFTConfig>({
  peftType: 'FOURIERFT',
  configClass: FourierFTConfig,
  prefix: 'fourierft_',
  layerClass: FourierFTLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'FourierFT', key);
    return new FourierFTLayer(target);
  },
});
registerPeftMethod(fourierft);

export { FourierFTConfig, frequencyCount, type FourierFTConfigFields } from './config.js';
export { FourierFTLayer } from './layer.js';
export { dftColumns, realInverseDft2 } from './dft.js';
export { spectrumPositions, type SpectrumPositions } from './positions.js';
