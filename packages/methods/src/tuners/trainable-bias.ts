import type { Tensor } from '@peftjs/core';
import { TunerLayer } from './tuner-layer.js';
import type { AdapterContext, LayerConfig } from '../method/layer-method.js';

/**
 * PEFT's `bias` option of the layer methods ('none', 'all', or '<prefix>only' such as 'oft_only'):
 * the biases that train and are saved with the adapter, by name in the tuner. 'all' takes every
 * bias of the model; '<prefix>only' those of the layers the method wrapped.
 */
export function* trainableBiases({ tuner, config }: AdapterContext<LayerConfig & { bias: string }>): Iterable<[string, Tensor]> {
  if (config.bias === 'none') return;
  const all = config.bias === 'all';
  for (const [key, m] of tuner.namedModules()) {
    if (!all && !(m instanceof TunerLayer)) continue;
    const owner = m instanceof TunerLayer ? m.baseLayer : m;
    const prefix = m instanceof TunerLayer ? `${key}.base_layer` : key;
    for (const [name, t] of owner.stateDict()) if (name === 'bias') yield [`${prefix}.${name}`, t];
  }
}
