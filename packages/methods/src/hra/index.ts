import { requireBaseLayer } from '../tuners/base-weights.js';
import { trainableBiases } from '../tuners/trainable-bias.js';
import { HRAConfig } from './config.js';
import { HRALayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** HRA: Householder reflection adaptation (Yuan et al., 2024), W' = W ∏(I − 2uuᵀ/‖u‖²). */
export const hra = layerMethod<HRAConfig>({
  peftType: 'HRA',
  configClass: HRAConfig,
  prefix: 'hra_',
  layerClass: HRALayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'HRA', key);
    return new HRALayer(target);
  },
  extraTensors: trainableBiases,
});
registerPeftMethod(hra);

export { HRAConfig, type HRAConfigFields } from './config.js';
export { HRALayer } from './layer.js';
export { gramSchmidt, reflectRows, reflectRowsOrthonormal, unitColumns } from './householder.js';
