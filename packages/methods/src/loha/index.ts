import { requireBaseLayer } from '../tuners/base-weights.js';
import { LoHaConfig } from './config.js';
import { LoHaLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** LoHa: a low-rank Hadamard-product update (LyCORIS); mergeable. */
export const loha = layerMethod<LoHaConfig>({
  peftType: 'LOHA',
  configClass: LoHaConfig,
  prefix: 'hada_',
  layerClass: LoHaLayer,
  createLayer(target, { key }) {
    // PEFT's LoHa wraps torch's Linear and Conv layers, not GPT-2's Conv1D
    requireBaseLayer(target, 'LoHa', key, ['linear', 'conv2d'], { conv1d: false });
    return new LoHaLayer(target);
  },
});
registerPeftMethod(loha);

export { LoHaConfig, type LoHaConfigFields } from './config.js';
export { LoHaLayer } from './layer.js';
