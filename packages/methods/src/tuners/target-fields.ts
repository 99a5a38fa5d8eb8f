import { field, type ConfigField } from '@peftjs/core';

/** Fields of every method that wraps layers (PEFT's target selection). */
export const TARGET_FIELDS: readonly ConfigField[] = [
  field.stringOrList('targetModules', null, { nullable: true }),
  field.stringOrList('excludeModules', null, { nullable: true }),
  field.stringList('modulesToSave', null, { nullable: true }),
  field.intOrList('layersToTransform', null, { nullable: true }),
  field.stringOrList('layersPattern', null, { nullable: true }),
];

export interface TargetFields {
  /** Module names (exact or a dotted suffix), one regex (full match), or 'all-linear'. */
  targetModules: string | string[] | null;
  excludeModules: string | string[] | null;
  /** Modules trained in full and saved with the adapter (a classification head). */
  modulesToSave: string[] | null;
  layersToTransform: number | number[] | null;
  layersPattern: string | string[] | null;
}

/** Fields of the LoRA-like methods that take per-module ranks and alphas. */
export const PATTERN_FIELDS: readonly ConfigField[] = [
  field.numberRecord('rankPattern', {}),
  field.numberRecord('alphaPattern', {}),
];

export interface PatternFields {
  rankPattern: Record<string, number>;
  alphaPattern: Record<string, number>;
}
