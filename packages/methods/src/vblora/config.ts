import { defineConfig, field } from '@peftjs/core';
import { checkLayerSelection } from '../tuners/layers-pattern-check.js';
import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';

export interface VBLoRAConfigFields extends TargetFields {
  /** Rank of the composed A [r, in] and B [out, r]. */
  r: number;
  /** Vectors in the shared bank. */
  numVectors: number;
  /** Length of each bank vector; in and out features must be multiples of it. */
  vectorLength: number;
  /** How many bank vectors each sub-vector mixes (by a softmax over the top-k logits). */
  topk: number;
  /** Save only the top-k indices and weights instead of the full logits (inference only after loading). */
  saveOnlyTopkWeights: boolean;
  vbloraDropout: number;
  /** The target stores its weight [in, out] (GPT-2's Conv1D); read from the layer itself. */
  fanInFanOut: boolean;
  /** Only 'none': PEFT trains base biases for 'all'/'vblora_only' but does not save them. */
  bias: 'none' | 'all' | 'vblora_only';
  /** The bank starts uniform in ±this. */
  initVectorBankBound: number;
  /** The logits start normal with this standard deviation. */
  initLogitsStd: number;
}

export const VBLORA_FIELDS = [
  field.int('r', 4, { min: 1 }),
  field.int('numVectors', 256, { min: 1 }),
  field.int('vectorLength', 256, { min: 1 }),
  field.int('topk', 2, { min: 1 }),
  ...TARGET_FIELDS,
  field.boolean('saveOnlyTopkWeights', false),
  field.number('vbloraDropout', 0, { min: 0, max: 1 }),
  field.boolean('fanInFanOut', false),
  field.string('bias', 'none', { choices: ['none', 'all', 'vblora_only'], unsupported: 'training base biases, which PEFT does not save for VB-LoRA' }),
  field.number('initVectorBankBound', 0.02, { min: 0 }),
  field.number('initLogitsStd', 0.1, { min: 0 }),
];

/** PEFT's VBLoRAConfig: `new VBLoRAConfig({ r: 4, numVectors: 256, vectorLength: 256, targetModules: ['q_proj'] })`. */
export const VBLoRAConfig = defineConfig<VBLoRAConfigFields>('VBLoRAConfig', 'VBLORA', VBLORA_FIELDS, (c) => {
  checkLayerSelection('VBLoRAConfig', c);
  if (c.topk > c.numVectors) throw new TypeError(`VBLoRAConfig: topk (${c.topk}) cannot exceed numVectors (num_vectors, ${c.numVectors})`);
});
export type VBLoRAConfig = InstanceType<typeof VBLoRAConfig>;
