import type { Module } from '@peftjs/core';
import { targetedLayers } from '../tuners/targeted-layers.js';
import { patternValue } from '../tuners/targets.js';
import type { WaveFTConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  if (x - floor !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * PEFT's proportional_parameters: n_frequency × (number of targets) shared among the targeted
 * Linear/Conv1D modules in proportion to in·out, rounded as Python rounds.
 */
export function proportionalFrequencies(model: Module, config: WaveFTConfig): Map<string, number> {
  const targets = [...targetedLayers(model, config)].filter(([, info]) => info.kind === 'linear');
  if (targets.length === 0) throw new Error('WaveFT: no target modules found for proportional parameter allocation');
  const total = targets.reduce((n, [, info]) => n + info.inFeatures * info.outFeatures, 0);
  const budget = config.nFrequency * targets.length;
  return new Map(targets.map(([key, info]) => [key, roundHalfEven(((info.inFeatures * info.outFeatures) / total) * budget)]));
}

/** The proportional counts of the adapter being injected (set right before its layers are wrapped). */
let proportional: Map<string, number> | null = null;

export function setProportionalCounts(counts: Map<string, number> | null): void {
  proportional = counts;
}

/** A module's count: its proportional share, else n_frequency_pattern, else n_frequency. */
export function frequencyCount({ config, key }: WrapContext<WaveFTConfig>): number {
  if (config.proportionalParameters && proportional?.has(key)) return proportional.get(key)!;
  return patternValue(config.nFrequencyPattern, key, config.nFrequency);
}
