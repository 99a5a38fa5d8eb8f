import type { Module } from '@peftjs/core';
import { checkModelSize } from '@peftjs/models';
import type { LayerConfig, LayerMethod, WrapContext } from '../method/layer-method.js';

/**
 * Refuses an adapter whose tensors would not fit before any is made: each against the backend's
 * largest buffer, all of them together against the parameter budget (`setParameterBudget`).
 */
export function checkAdapterSize<C extends LayerConfig>(method: LayerMethod<C>, targets: readonly [Module, WrapContext<C>][]): void {
  if (!method.adapterSize || targets.length === 0) return;
  const largest: Record<string, number> = {};
  let total = 0;
  for (const [target, context] of targets) {
    for (const [label, elements] of Object.entries(method.adapterSize(target, context) ?? {})) {
      largest[`${context.key}.${label}`] = elements;
      total += elements;
    }
  }
  const { adapterName, config } = targets[0]![1];
  checkModelSize(`getPeftModel (${config.peftType}, adapter '${adapterName}')`, { total, largest });
}
