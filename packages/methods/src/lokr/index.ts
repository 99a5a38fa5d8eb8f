import { requireBaseLayer } from '../tuners/base-weights.js';
import { LoKrConfig } from './config.js';
import { LoKrLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** LoKr: a Kronecker-product update (LyCORIS); mergeable. */
export const lokr = layerMethod<LoKrConfig>({
  peftType: 'LOKR',
  configClass: LoKrConfig,
  prefix: 'lokr_',
  layerClass: LoKrLayer,
  createLayer(target, { key }) {
    // PEFT's LoKr wraps torch's Linear and Conv layers, not GPT-2's Conv1D
    requireBaseLayer(target, 'LoKr', key, ['linear', 'conv2d'], { conv1d: false });
    return new LoKrLayer(target);
  },
});
registerPeftMethod(lokr);

export { LoKrConfig, type LoKrConfigFields } from './config.js';
export { LoKrLayer, kron } from './layer.js';
export { factorization } from './factorization.js';
