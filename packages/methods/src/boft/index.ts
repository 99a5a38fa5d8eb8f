import { requireBaseLayer } from '../tuners/base-weights.js';
import { trainableBiases } from '../tuners/trainable-bias.js';
import { BOFTConfig } from './config.js';
import { BOFTLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** BOFT: butterfly orthogonal fine-tuning (Liu et al., 2024), with PEFT's butterfly factors and per-output scale. */
export const boft = layerMethod<BOFTConfig>({
  peftType: 'BOFT',
  configClass: BOFTConfig,
  prefix: 'boft_',
  layerClass: BOFTLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'BOFT', key);
    return new BOFTLayer(target);
  },
  extraTensors: trainableBiases,
});
registerPeftMethod(boft);

export { BOFTConfig, type BOFTConfigFields } from './config.js';
export { BOFTLayer } from './layer.js';
export { blockButterflyPerm, boftShape, type BoftShape } from './butterfly.js';
