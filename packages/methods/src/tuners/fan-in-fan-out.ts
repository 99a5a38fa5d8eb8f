import { Conv1D, Linear, type Module } from '@peftjs/core';
import { candidateModules } from './inject.js';
import { isTargetModule } from './targets.js';
import type { LayerConfig } from '../method/layer-method.js';

/**
 * PEFT's fan_in_fan_out check: GPT-2's Conv1D stores its weight [in, out], so a config that
 * targets one with fanInFanOut false is switched on (and one that targets only torch Linear layers
 * with fanInFanOut true is switched off), with a warning, as PEFT does. The layers read the
 * layout from the module either way; the config is what the adapter's file records.
 */
export function alignFanInFanOut<C extends LayerConfig>(config: C, model: Module, warn: (message: string) => void = console.warn): C {
  const flag = (config as unknown as { fanInFanOut?: unknown }).fanInFanOut;
  if (typeof flag !== 'boolean' || config.targetModules === null) return config;
  const targets = candidateModules(model).filter(([key]) => isTargetModule(config, key));
  const conv1d = targets.find(([, m]) => m instanceof Conv1D);
  if (conv1d && !flag) {
    warn(
      `${config.peftType}: fanInFanOut (fan_in_fan_out) is false, but the target module '${conv1d[0]}' is a Conv1D; setting fanInFanOut to true`,
    );
    return config.with({ fanInFanOut: true });
  }
  const linear = targets.find(([, m]) => m instanceof Linear);
  if (!conv1d && linear && flag) {
    warn(
      `${config.peftType}: fanInFanOut (fan_in_fan_out) is true, but the target module '${linear[0]}' is a Linear; setting fanInFanOut to false`,
    );
    return config.with({ fanInFanOut: false });
  }
  return config;
}
