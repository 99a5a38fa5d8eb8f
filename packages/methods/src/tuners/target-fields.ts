import { field, type FieldSpecs } from '../method/config-fields.js';

export interface TargetFields {
  /** Module names (exact or a dotted suffix), one regex (full match), or 'all-linear'. */
  targetModules: string | string[] | null;
  excludeModules: string | string[] | null;
  /** Modules trained in full and saved with the adapter (a classification head). */
  modulesToSave: string[] | null;
  layersToTransform: number | number[] | null;
  layersPattern: string | string[] | null;
}

/** Fields of every method that wraps layers (PEFT's target selection). */
export const TARGET_FIELDS: FieldSpecs<TargetFields> = {
  targetModules: field.stringOrList(null, { nullable: true }),
  excludeModules: field.stringOrList(null, { nullable: true }),
  modulesToSave: field.stringList(null, { nullable: true }),
  layersToTransform: field.intOrList(null, { nullable: true }),
  layersPattern: field.stringOrList(null, { nullable: true }),
};

export interface PatternFields {
  rankPattern: Record<string, number>;
  alphaPattern: Record<string, number>;
}

/** Fields of the LoRA-like methods that take per-module ranks and alphas. */
export const PATTERN_FIELDS: FieldSpecs<PatternFields> = {
  rankPattern: field.numberRecord({}),
  alphaPattern: field.numberRecord({}),
};

/**
 * PEFT's checks between the target fields (LoraConfig.__post_init__ and its family): a regex
 * `targetModules` cannot be combined with `layersToTransform` or `layersPattern`, and
 * `layersPattern` needs `layersToTransform`.
 */
export function checkLayerSelection(configName: string, c: TargetFields): void {
  if (typeof c.targetModules === 'string' && c.targetModules !== 'all-linear') {
    if (c.layersToTransform !== null)
      throw new TypeError(
        `${configName}: layersToTransform cannot be used when targetModules is a regex (${JSON.stringify(c.targetModules)})`,
      );
    if (c.layersPattern !== null)
      throw new TypeError(`${configName}: layersPattern cannot be used when targetModules is a regex (${JSON.stringify(c.targetModules)})`);
  }
  const pattern = c.layersPattern;
  if (
    pattern !== null &&
    pattern.length > 0 &&
    (c.layersToTransform === null || (Array.isArray(c.layersToTransform) && c.layersToTransform.length === 0))
  ) {
    throw new TypeError(`${configName}: layersPattern (${JSON.stringify(pattern)}) needs layersToTransform`);
  }
}
