import { requireBaseLayer } from '../tuners/base-weights.js';
import { trainableBiases } from '../tuners/trainable-bias.js';
import { OFTConfig } from './config.js';
import { OFTLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** OFT: orthogonal fine-tuning (Qiu et al., 2023) with PEFT 0.18's packed Cayley(–Neumann) parametrisation. */
export const oft = layerMethod<OFTConfig>({
  peftType: 'OFT',
  configClass: OFTConfig,
  prefix: 'oft_',
  layerClass: OFTLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'OFT', key);
    return new OFTLayer(target);
  },
  extraTensors: trainableBiases,
});
registerPeftMethod(oft);

export { OFTConfig, type OFTConfigFields } from './config.js';
export { OFTLayer, nearestDivisor, oftBlocks } from './layer.js';
export { OFTRotationModule, rotateWeightColumns, type RotationSettings } from './rotation.js';
