import { LNTuningConfig } from './config.js';
import { LNTuningLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** LN tuning: train a copy of the model's norm layers (Zhao et al., 2023). */
export const lnTuning = layerMethod<LNTuningConfig>({
  peftType: 'LN_TUNING',
  configClass: LNTuningConfig,
  prefix: 'ln_tuning_',
  layerClass: LNTuningLayer,
  createLayer(target) {
    return new LNTuningLayer(target);
  },
});
registerPeftMethod(lnTuning);

export { LNTuningConfig, type LNTuningConfigFields } from './config.js';
export { LNTuningLayer } from './layer.js';
