import { registerPeftMethod, type Module, type Tensor, type WrapContext } from '@peftjs/core';
import { requireBaseLayer } from '../tuners/base-weights.js';
import { layerMethod, type AdapterContext } from '../tuners/layer-method.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import { LoraConfig } from './config.js';
import { LoraConv2d } from './conv2d.js';
import { convertMutatedInit } from './conversion.js';
import { LoraEmbedding } from './embedding.js';
import { LoraLayer } from './layer.js';

/** LoRA's biases that train with `bias` 'all' or 'lora_only' (shared with AdaLoRA). */
export function* loraBiasTensors({ tuner, config }: AdapterContext<{ bias: 'none' | 'all' | 'lora_only' } & AdapterContext['config']>): Iterable<[string, Tensor]> {
  if (config.bias === 'none') return;
  for (const [key, m] of tuner.namedModules()) {
    if (config.bias === 'lora_only' && !(m instanceof TunerLayer)) continue;
    const owner = m instanceof TunerLayer ? m.baseLayer : m;
    const prefix = m instanceof TunerLayer ? `${key}.base_layer` : key;
    for (const [name, t] of owner.stateDict()) {
      if (name === 'bias' && (config.bias === 'all' || m instanceof TunerLayer)) yield [`${prefix}.${name}`, t];
    }
  }
}

function createLoraLayer(target: Module, { key }: WrapContext<LoraConfig>): LoraLayer {
  const { kind } = requireBaseLayer(target, 'LoRA', key, ['linear', 'embedding', 'conv2d']);
  if (kind === 'embedding') return new LoraEmbedding(target);
  if (kind === 'conv2d') return new LoraConv2d(target);
  return new LoraLayer(target);
}

/**
 * LoRA (Hu et al., 2021) on Linear, Conv1D, Embedding and Conv2d layers, with rsLoRA, DoRA,
 * the gaussian, PiSSA and OLoRA inits, biases and fan-in-fan-out targets.
 */
export const lora = layerMethod<LoraConfig>({
  peftType: 'LORA',
  configClass: LoraConfig,
  prefix: 'lora_',
  layerClass: LoraLayer,
  createLayer: createLoraLayer,
  extraTensors: loraBiasTensors,
  afterLoad({ tuner, adapterName }) {
    for (const [, m] of tuner.namedModules()) if (m instanceof LoraLayer) m.finishLoadedInit(adapterName);
  },
  convertMutatedInit,
});
registerPeftMethod(lora);

export { LoraConfig, initChangesBase, type LoraConfigFields, type LoraInit } from './config.js';
export { LoraLayer, loraScaling } from './layer.js';
export { addWeightedAdapter } from './weighted-adapter.js';
export { LoraEmbedding } from './embedding.js';
export { LoraConv2d } from './conv2d.js';
export { DoraMagnitude, doraWeightNorm, type NormLayout } from './dora.js';
export { convertMutatedInit } from './conversion.js';
