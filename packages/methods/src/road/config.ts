import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export type RoadVariant = 'road_1' | 'road_2' | 'road_4';

export interface RoadConfigFields {
  /** road_1: one angle and scale per output pair; road_2: per output; road_4: two per output. */
  variant: RoadVariant;
  /** Outputs are rotated in groups of this size: element i pairs with i + groupSize/2. */
  groupSize: number;
  /** true: angle 0 and scale 1 (the identity); false: θ ~ N(0, 0.5²), α ~ N(1, 0.5²). */
  initWeights: boolean;
  targetModules: string | string[] | null;
  modulesToSave: string[] | null;
}

export const ROAD_FIELDS: FieldSpecs<Omit<RoadConfigFields & NoLayerSelection, keyof NoLayerSelection>> = {
  variant: field.string('road_1', { choices: ['road_1', 'road_2', 'road_4'] }),
  groupSize: field.int(64, { min: 2 }),
  initWeights: field.boolean(true),
  targetModules: field.stringOrList(null, { nullable: true }),
  modulesToSave: field.stringList(null, { nullable: true }),
};

/** Target selection RoAd's config does not have; they read as null so target matching treats them as unset. */
export interface NoLayerSelection {
  readonly excludeModules: null;
  readonly layersToTransform: null;
  readonly layersPattern: null;
}

/** PEFT's RoadConfig: `new RoadConfig({ variant: 'road_1', groupSize: 64, targetModules: ['q_proj'] })`. */
export const RoadConfig = defineConfig<RoadConfigFields & NoLayerSelection, keyof NoLayerSelection>(
  'RoadConfig',
  'ROAD',
  ROAD_FIELDS,
  (c) => {
    if (c.groupSize % 2 !== 0) throw new TypeError(`RoadConfig: groupSize (group_size) must be even, got ${c.groupSize}`);
    Object.assign(c, { excludeModules: null, layersToTransform: null, layersPattern: null });
  },
);
export type RoadConfig = InstanceType<typeof RoadConfig>;
