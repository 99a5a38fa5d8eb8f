import { registerPeftMethod, type Tensor } from '@peftjs/core';
import { requireBaseLayer } from '../tuners/base-weights.js';
import { layerMethod } from '../tuners/layer-method.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import { LoraConfig } from './config.js';
import { LoraLayer } from './layer.js';

/** LoRA (Hu et al., 2021) with rsLoRA, gaussian init, biases and fan-in-fan-out targets. */
export const lora = layerMethod<LoraConfig>({
  peftType: 'LORA',
  configClass: LoraConfig,
  prefix: 'lora_',
  layerClass: LoraLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'LoRA', key);
    return new LoraLayer(target);
  },
  *extraTensors({ tuner, config }): Iterable<[string, Tensor]> {
    if (config.bias === 'none') return;
    for (const [key, m] of tuner.namedModules()) {
      if (config.bias === 'lora_only' && !(m instanceof TunerLayer)) continue;
      const owner = m instanceof TunerLayer ? m.baseLayer : m;
      const prefix = m instanceof TunerLayer ? `${key}.base_layer` : key;
      for (const [name, t] of owner.stateDict()) {
        if (name === 'bias' && (config.bias === 'all' || m instanceof TunerLayer)) yield [`${prefix}.${name}`, t];
      }
    }
  },
});
registerPeftMethod(lora);

export { LoraConfig, type LoraConfigFields, type LoraInit } from './config.js';
export { LoraLayer, loraScaling } from './layer.js';
export { addWeightedAdapter } from './weighted-adapter.js';
