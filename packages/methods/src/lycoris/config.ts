import { PATTERN_FIELDS, TARGET_FIELDS, type PatternFields, type TargetFields } from '../tuners/target-fields.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

/** Fields shared by PEFT's LyCORIS-style configs (LoHa, LoKr). */
export interface LycorisConfigFields extends TargetFields, PatternFields {
  /** Rank of the factors. */
  r: number;
  /** scaling = alpha / r. */
  alpha: number;
  /** Training only: drops rows of ΔW with this probability (PEFT's rank dropout). */
  rankDropout: number;
  /** Training only: skips the whole adapter with this probability. */
  moduleDropout: number;
  /** Conv2d with kernels larger than 1×1: a CP decomposition of the kernel (not supported here; Linear ignores it). */
  useEffectiveConv2d: boolean;
}

export const LYCORIS_FIELDS: FieldSpecs<LycorisConfigFields> = {
  r: field.int(8, { min: 1 }),
  alpha: field.number(8),
  rankDropout: field.number(0, { min: 0, max: 1 }),
  moduleDropout: field.number(0, { min: 0, max: 1 }),
  useEffectiveConv2d: field.boolean(false),
  ...TARGET_FIELDS,
  ...PATTERN_FIELDS,
};

/** Ranks in rank_pattern must be positive integers. */
export function checkRankPattern(configName: string, c: PatternFields): void {
  for (const [k, v] of Object.entries(c.rankPattern)) {
    if (!Number.isInteger(v) || v < 1) throw new TypeError(`${configName}: rankPattern['${k}'] must be a positive integer, got ${v}`);
  }
}
