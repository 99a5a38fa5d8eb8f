import { registerPeftMethod } from '@peftjs/core';
import { requireBaseLayer } from '../tuners/base-weights.js';
import { layerMethod } from '../tuners/layer-method.js';
import { LoKrConfig } from './config.js';
import { LoKrLayer } from './layer.js';

/** LoKr: a Kronecker-product update (LyCORIS); mergeable. */
export const lokr = layerMethod<LoKrConfig>({
  peftType: 'LOKR',
  configClass: LoKrConfig,
  prefix: 'lokr_',
  layerClass: LoKrLayer,
  createLayer(target, { key }) {
    const info = requireBaseLayer(target, 'LoKr', key, ['linear', 'conv2d']);
    // PEFT's LoKr wraps torch's Linear and Conv layers, not GPT-2's Conv1D
    if (info.fanInFanOut) throw new TypeError(`LoKr: cannot adapt module '${key}' of type ${target.constructor.name} (weights stored [in, out]); PEFT's LoKr supports Linear and Conv2d`);
    return new LoKrLayer(target);
  },
});
registerPeftMethod(lokr);

export { LoKrConfig, type LoKrConfigFields } from './config.js';
export { LoKrLayer, kron } from './layer.js';
export { factorization } from './factorization.js';
