import type { Module } from '@peftjs/core';
import { baseLayerInfo, requireBaseLayer } from '../tuners/base-weights.js';
import { patternValue } from '../tuners/targets.js';
import { trainableBiases } from '../tuners/trainable-bias.js';
import { LoraConfig } from './config.js';
import { LoraConv2d } from './conv2d.js';
import { convertMutatedInit } from './convert-mutated-init.js';
import { LoraEmbedding } from './embedding.js';
import { LoraLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod, type WrapContext } from '../method/layer-method.js';

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
  extraTensors: trainableBiases,
  adapterSize(target, { config, key }) {
    const info = target instanceof LoraLayer ? target.base : baseLayerInfo(target);
    if (!info) return null;
    const r = patternValue(config.rankPattern, key, config.r);
    // a quantized base has no float weight to ask; only a conv's kernel adds to its inputs
    const fanIn = info.kind === 'conv2d' ? info.weight.size / info.outFeatures : info.inFeatures;
    return {
      [`lora_A [${r}, ${fanIn}]`]: r * fanIn,
      [`lora_B [${info.outFeatures}, ${r}]`]: info.outFeatures * r + (config.loraBias ? info.outFeatures : 0),
    };
  },
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
export { convertMutatedInit } from './convert-mutated-init.js';
export { LoftQConfig, loftqFactors, type LoftQResult } from './loftq.js';
