import { Linear } from '@peftjs/core';
import { requireBaseLayer } from '../tuners/base-weights.js';
import { C3AConfig } from './config.js';
import { C3ALayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** C3A: block-circulant weight updates (circular convolutions); mergeable. */
export const c3a = layerMethod<C3AConfig>({
  peftType: 'C3A',
  configClass: C3AConfig,
  prefix: 'c3a_',
  layerClass: C3ALayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'C3A', key);
    // PEFT's C3A wraps torch's Linear only
    if (!(target instanceof Linear))
      throw new TypeError(`C3A: cannot adapt module '${key}' of type ${target.constructor.name}; PEFT's C3A supports Linear`);
    return new C3ALayer(target);
  },
});
registerPeftMethod(c3a);

export { C3AConfig, type C3AConfigFields, type C3AInit } from './config.js';
export { C3ALayer } from './layer.js';
export { blockCirculant } from './block-circulant.js';
