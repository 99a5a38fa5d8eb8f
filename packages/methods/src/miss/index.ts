import { requireBaseLayer } from '../tuners/base-weights.js';
import { trainableBiases } from '../tuners/trainable-bias.js';
import { MissConfig } from './config.js';
import { MissLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** MiSS: matrix shard sharing (Kang & Yin, 2025), PEFT's balanced, 'mini' and 'bat' forms. */
export const miss = layerMethod<MissConfig>({
  peftType: 'MISS',
  configClass: MissConfig,
  prefix: 'miss_',
  layerClass: MissLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'MiSS', key, ['linear'], { conv1d: false });
    return new MissLayer(target);
  },
  extraTensors: trainableBiases,
});
registerPeftMethod(miss);

export { MissConfig, type MissConfigFields } from './config.js';
export { MissLayer, type MissMode } from './layer.js';
export { chunkSum, tiledDelta, batDelta, batRestore } from './blocks.js';
