import type { Module } from '@peftjs/core';
import type { PeftMethod } from '../method/peft-method.js';
import type { AdapterStrategy } from './adapter-strategy.js';
import { LayerStrategy } from './layer-strategy.js';
import { PromptStrategy } from './prompt-strategy.js';

/** The PeftModel's strategy for `method`'s kind, around the user's `model`. */
export function strategyFor(method: PeftMethod, model: Module): AdapterStrategy {
  switch (method.kind) {
    case 'layer':
      return new LayerStrategy(method, model);
    case 'prompt':
      return new PromptStrategy(method, model);
  }
}
