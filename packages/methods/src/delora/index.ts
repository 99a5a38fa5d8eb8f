import { requireBaseLayer } from '../tuners/base-weights.js';
import { trainableBiases } from '../tuners/trainable-bias.js';
import { DeloraConfig } from './config.js';
import { DeloraLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** DeLoRA: decoupled low-rank adaptation with a bounded, normalised update (Bini et al., 2025). */
export const delora = layerMethod<DeloraConfig>({
  peftType: 'DELORA',
  configClass: DeloraConfig,
  prefix: 'delora_',
  layerClass: DeloraLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'DeLoRA', key, ['linear'], { conv1d: false });
    return new DeloraLayer(target);
  },
  extraTensors: trainableBiases,
});
registerPeftMethod(delora);

export { DeloraConfig, type DeloraConfigFields } from './config.js';
export { DeloraLayer } from './layer.js';
