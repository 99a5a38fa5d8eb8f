import { requireBaseLayer } from '../tuners/base-weights.js';
import { IA3Config, isFeedforwardModule } from './config.js';
import { IA3Layer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** (IA)³ (Liu et al., 2022): learned vectors that rescale activations; mergeable. */
export const ia3 = layerMethod<IA3Config>({
  peftType: 'IA3',
  configClass: IA3Config,
  prefix: 'ia3_',
  layerClass: IA3Layer,
  createLayer(target, { key, config }) {
    requireBaseLayer(target, 'IA3', key);
    return new IA3Layer(target, isFeedforwardModule(config, key));
  },
});
registerPeftMethod(ia3);

export { IA3Config, isFeedforwardModule, type IA3ConfigFields } from './config.js';
export { IA3Layer } from './layer.js';
