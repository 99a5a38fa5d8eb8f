import { LORA_FIELDS, type LoraConfigFields } from '../lora/config.js';
import { checkLayerSelection } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

/** Which rank-1 triplets of each module survived the allocation: `q_proj.lora_E` → [true, false, ...]. */
export type RankPattern = Record<string, boolean[]>;

export interface AdaLoraConfigFields extends Omit<LoraConfigFields, 'rankPattern' | 'initLoraWeights'> {
  /** The average rank the budget ends at. */
  targetR: number;
  /** The rank every module starts with. */
  initR: number;
  /** Warm-up steps before the budget starts to shrink. */
  tinit: number;
  /** Final steps with the budget fixed at targetR per module. */
  tfinal: number;
  /** Steps between two budget allocations. */
  deltaT: number;
  /** EMA factor of the importance (sensitivity smoothing). */
  beta1: number;
  /** EMA factor of the uncertainty. */
  beta2: number;
  /** Weight of the orthogonal regularisation added to a model output's loss. */
  orthRegWeight: number;
  /** The number of training steps (required: the budget schedule depends on it). */
  totalStep: number | null;
  /** The learned ranks (set by the rank allocator; saving cuts each module to them). */
  rankPattern: RankPattern | null;
  /** true: E = 0, A and B ~ N(0, 0.02); false: all three ~ N(0, 1). */
  initLoraWeights: boolean;
}

/** PEFT 0.18's AdaLoraConfig fields: LoraConfig's (rank_pattern redefined, some refused) and AdaLoRA's own. */
export const ADALORA_FIELDS: FieldSpecs<AdaLoraConfigFields> = {
  ...LORA_FIELDS,
  rankPattern: field.json(null, { nullable: true }),
  initLoraWeights: field.boolean(true),
  // LoraConfig's fields that AdaLoRA takes but does not use (PEFT ignores them or refuses them)
  useDora: { ...LORA_FIELDS.useDora, unsupported: 'AdaLoRA does not support DoRA' },
  useRslora: { ...LORA_FIELDS.useRslora, unsupported: 'AdaLoRA scales by alpha / ranknum' },
  loraBias: { ...LORA_FIELDS.loraBias, unsupported: 'AdaLoRA layers have no lora_B bias' },
  targetR: field.int(8, { min: 0 }),
  initR: field.int(12, { min: 0 }),
  tinit: field.int(0, { min: 0 }),
  tfinal: field.int(0, { min: 0 }),
  deltaT: field.int(1, { min: 1, hfName: 'deltaT' }),
  beta1: field.number(0.85, { min: 0, exclusiveMin: true, max: 1 }),
  beta2: field.number(0.85, { min: 0, exclusiveMin: true, max: 1 }),
  orthRegWeight: field.number(0.5, { min: 0 }),
  totalStep: field.int(null, { nullable: true }),
};

function checkRankPattern(pattern: unknown): void {
  if (pattern === null) return;
  const ok =
    typeof pattern === 'object' &&
    !Array.isArray(pattern) &&
    Object.values(pattern as object).every((v) => Array.isArray(v) && v.every((b) => typeof b === 'boolean'));
  if (!ok)
    throw new TypeError(
      `AdaLoraConfig: rankPattern (rank_pattern) must be null or an object of module names to lists of true/false, got ${JSON.stringify(pattern)}`,
    );
}

/**
 * PEFT's AdaLoraConfig: `new AdaLoraConfig({ initR: 12, targetR: 8, totalStep: 1000, targetModules: ['q_proj', 'v_proj'] })`.
 * `r` is not used (initR is the starting rank), as in PEFT.
 */
export const AdaLoraConfig = defineConfig<AdaLoraConfigFields>('AdaLoraConfig', 'ADALORA', ADALORA_FIELDS, (c) => {
  if (c.totalStep === null || c.totalStep <= 0)
    throw new TypeError(
      `AdaLoraConfig: totalStep (total_step) must be a positive integer (the budget schedule needs it), got ${c.totalStep}`,
    );
  if (c.tinit >= c.totalStep - c.tfinal) {
    throw new RangeError(
      `AdaLoraConfig: tinit (${c.tinit}) must be < totalStep − tfinal (${c.totalStep} − ${c.tfinal}): the schedule leaves no budgeting phase`,
    );
  }
  if (c.beta1 >= 1 || c.beta2 >= 1) throw new RangeError(`AdaLoraConfig: beta1 and beta2 must be in (0, 1), got ${c.beta1} and ${c.beta2}`);
  checkRankPattern(c.rankPattern);
  checkLayerSelection('AdaLoraConfig', c);
});
export type AdaLoraConfig = InstanceType<typeof AdaLoraConfig>;
