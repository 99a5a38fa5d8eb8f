import { requireBaseLayer } from '../tuners/base-weights.js';
import { trainableBiases } from '../tuners/trainable-bias.js';
import { BoneConfig } from './config.js';
import { BoneLayer } from './layer.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

/** Bone: block-affine adaptation (Kang, 2024), PEFT 0.18's BONE (superseded by MiSS). */
export const bone = layerMethod<BoneConfig>({
  peftType: 'BONE',
  configClass: BoneConfig,
  prefix: 'bone_',
  layerClass: BoneLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'Bone', key, ['linear'], { conv1d: false });
    return new BoneLayer(target);
  },
  extraTensors: trainableBiases,
});
registerPeftMethod(bone);

export { BoneConfig, type BoneConfigFields } from './config.js';
export { BoneLayer } from './layer.js';
