import { LoftQConfig } from './loftq.js';
import { PATTERN_FIELDS, TARGET_FIELDS, checkLayerSelection, type PatternFields, type TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export type LoraInit = boolean | 'gaussian' | 'pissa' | 'olora' | 'loftq' | `pissa_niter_${number}`;

export interface LoraConfigFields extends TargetFields, PatternFields, LoraUnsupportedFields {
  /** Rank of the update. */
  r: number;
  loraAlpha: number;
  loraDropout: number;
  /** The target stores its weight [in, out] (GPT-2's Conv1D). */
  fanInFanOut: boolean;
  /** Which biases train: 'none', 'all', or 'lora_only' (those of adapted layers). */
  bias: 'none' | 'all' | 'lora_only';
  /** scaling = alpha / sqrt(r) instead of alpha / r. */
  useRslora: boolean;
  /** Weight-decomposed LoRA (magnitude and direction). */
  useDora: boolean;
  /**
   * true: kaiming-uniform A, zero B; false: random B too (not a no-op); 'gaussian': A ~ N(0, 1/r);
   * 'pissa' (and 'pissa_niter_<n>', computed with an exact SVD): the principal singular part of W
   * moves into the adapter; 'olora': B, A from the QR of W. PiSSA and OLoRA change the base weight
   * to W − s·B·A (Linear and Conv1D targets only).
   */
  initLoraWeights: LoraInit;
  /** A trainable bias on lora_B. */
  loraBias: boolean;
  /** LoftQ's settings (loftq_config) for initLoraWeights 'loftq': `new LoftQConfig({ loftqBits: 4, loftqIter: 1 })`. */
  loftqConfig: LoftQConfig | Record<string, never>;
}

const INIT_VALUES = /^(gaussian|pissa|olora|loftq|pissa_niter_\d+)$/;

/** Whether `init` (PiSSA, OLoRA) is computed from the base weight and changes it. */
export function initChangesBase(init: LoraInit): init is 'pissa' | 'olora' | `pissa_niter_${number}` {
  return typeof init === 'string' && (init === 'olora' || init.startsWith('pissa'));
}

/** Fields of PEFT 0.18's LoraConfig that peft.js loads but does not implement: only their empty value is accepted. */
export interface LoraUnsupportedFields {
  aloraInvocationTokens: unknown;
  arrowConfig: unknown;
  cordaConfig: unknown;
  evaConfig: unknown;
  megatronConfig: unknown;
  megatronCore: string | null;
  layerReplication: unknown;
  targetParameters: unknown;
  trainableTokenIndices: unknown;
  useQalora: boolean;
  qaloraGroupSize: number;
  ensureWeightTying: boolean;
}

const UNSUPPORTED: FieldSpecs<LoraUnsupportedFields> = {
  aloraInvocationTokens: field.json(null, { nullable: true, unsupported: 'activated LoRA' }),
  arrowConfig: field.json(null, { nullable: true, unsupported: 'Arrow routing' }),
  cordaConfig: field.json(null, { nullable: true, unsupported: 'CorDA init' }),
  evaConfig: field.json(null, { nullable: true, unsupported: 'EVA init' }),
  megatronConfig: field.json(null, { nullable: true, unsupported: 'Megatron parallel layers' }),
  megatronCore: field.string('megatron.core', { nullable: true }),
  layerReplication: field.json(null, { nullable: true, unsupported: 'layer replication' }),
  targetParameters: field.json(null, { nullable: true, unsupported: 'targeting nn.Parameter' }),
  trainableTokenIndices: field.json(null, { nullable: true, unsupported: 'trainable tokens' }),
  useQalora: field.boolean(false, { unsupported: 'QALoRA (needs quantization)' }),
  qaloraGroupSize: field.int(16, { min: 1 }),
  ensureWeightTying: field.boolean(false, { unsupported: 'tied adapter weights' }),
};

export const LORA_FIELDS: FieldSpecs<LoraConfigFields> = {
  r: field.int(8, { min: 1 }),
  loraAlpha: field.number(8),
  loraDropout: field.number(0, { min: 0, max: 1 }),
  fanInFanOut: field.boolean(false),
  bias: field.string('none', { choices: ['none', 'all', 'lora_only'] }),
  useRslora: field.boolean(false),
  useDora: field.boolean(false),
  initLoraWeights: field.json(true),
  loraBias: field.boolean(false),
  loftqConfig: field.json({}),
  ...TARGET_FIELDS,
  ...PATTERN_FIELDS,
  ...UNSUPPORTED,
};

/** PEFT's LoraConfig: `new LoraConfig({ r: 8, loraAlpha: 16, targetModules: ['q_proj', 'v_proj'] })`. */
export const LoraConfig = defineConfig<LoraConfigFields>('LoraConfig', 'LORA', LORA_FIELDS, (c) => {
  const init = c.initLoraWeights;
  if (typeof init !== 'boolean' && !(typeof init === 'string' && INIT_VALUES.test(init))) {
    throw new TypeError(
      `LoraConfig: initLoraWeights (init_lora_weights) must be true, false, 'gaussian', 'pissa', 'pissa_niter_<n>', 'olora' or 'loftq', got ${JSON.stringify(init)}`,
    );
  }
  const loftq = c.loftqConfig as unknown;
  const loftqSet = loftq instanceof LoftQConfig || (typeof loftq === 'object' && loftq !== null && Object.keys(loftq).length > 0);
  if (loftqSet) (c as { loftqConfig: LoftQConfig }).loftqConfig = LoftQConfig.from(loftq);
  if (init === 'loftq' && !loftqSet)
    throw new TypeError("LoraConfig: initLoraWeights 'loftq' needs loftqConfig (loftq_config), e.g. new LoftQConfig({ loftqBits: 4 })");
  if (loftqSet && init !== 'loftq')
    throw new TypeError(`LoraConfig: loftqConfig is only used with initLoraWeights 'loftq', got ${JSON.stringify(init)}`);
  for (const [name, pattern] of [
    ['rankPattern', c.rankPattern],
    ['alphaPattern', c.alphaPattern],
  ] as const) {
    for (const [k, v] of Object.entries(pattern)) {
      if (name === 'rankPattern' && (!Number.isInteger(v) || v < 1))
        throw new TypeError(`LoraConfig: rankPattern['${k}'] must be a positive integer, got ${v}`);
    }
  }
  if (c.loraBias && typeof init !== 'boolean')
    throw new TypeError(`LoraConfig: loraBias is only supported with initLoraWeights true or false, got ${JSON.stringify(init)}`);
  if (c.useDora && c.loraBias) throw new TypeError('LoraConfig: useDora and loraBias cannot be combined');
  checkLayerSelection('LoraConfig', c);
});
export type LoraConfig = InstanceType<typeof LoraConfig>;
