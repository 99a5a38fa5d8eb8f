import type { Module } from '@peftjs/core';
import { baseLayerInfo, type BaseLayerInfo } from './base-weights.js';
import type { TargetFields } from './target-fields.js';
import { isTargetModule } from './targets.js';
import { TunerLayer } from './tuner-layer.js';

/** Modules inside a tuner layer or a modules-to-save wrapper are not targets themselves. */
const INNER = /(^|\.)(base_layer|original_module|modules_to_save)(\.|$)/;

/**
 * The layers `config` targets in `model`, with their shape facts (a wrapped layer's base layer),
 * before any is wrapped: what methods that share tensors across layers size them by (VeRA, VB-LoRA).
 */
export function* targetedLayers(model: Module, config: TargetFields): Generator<[string, BaseLayerInfo]> {
  for (const [key, m] of model.namedModules()) {
    if (key === '' || INNER.test(key) || !isTargetModule(config, key)) continue;
    const info = baseLayerInfo(m instanceof TunerLayer ? m.baseLayer : m);
    if (info) yield [key, info];
  }
}
