import { requireBaseLayer } from '../tuners/base-weights.js';
import { RoadConfig } from './config.js';
import { RoadLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** RoAd: 2-D rotation adaptation of the outputs (Liao et al., 2024), variants road_1/2/4. */
export const road = layerMethod<RoadConfig>({
  peftType: 'ROAD',
  configClass: RoadConfig,
  prefix: 'road_',
  layerClass: RoadLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'RoAd', key, ['linear'], { conv1d: false });
    return new RoadLayer(target);
  },
});
registerPeftMethod(road);

export { RoadConfig, type RoadConfigFields, type RoadVariant } from './config.js';
export { RoadLayer } from './layer.js';
export { applyRoad, applyRoadToRows, invertRoadColumns, roadColumns, roadSize } from './rotation.js';
