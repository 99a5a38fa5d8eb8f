import { checkLayerSelection } from '../tuners/check-layer-selection.js';
import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

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

export const VBLORA_FIELDS: FieldSpecs<VBLoRAConfigFields> = {
  r: field.int(4, { min: 1 }),
  numVectors: field.int(256, { min: 1 }),
  vectorLength: field.int(256, { min: 1 }),
  topk: field.int(2, { min: 1 }),
  ...TARGET_FIELDS,
  saveOnlyTopkWeights: field.boolean(false),
  vbloraDropout: field.number(0, { min: 0, max: 1 }),
  fanInFanOut: field.boolean(false),
  bias: field.string('none', {
    choices: ['none', 'all', 'vblora_only'],
    unsupported: 'training base biases, which PEFT does not save for VB-LoRA',
  }),
  initVectorBankBound: field.number(0.02, { min: 0 }),
  initLogitsStd: field.number(0.1, { min: 0 }),
};

/** PEFT's VBLoRAConfig: `new VBLoRAConfig({ r: 4, numVectors: 256, vectorLength: 256, targetModules: ['q_proj'] })`. */
export const VBLoRAConfig = defineConfig<VBLoRAConfigFields>('VBLoRAConfig', 'VBLORA', VBLORA_FIELDS, (c) => {
  checkLayerSelection('VBLoRAConfig', c);
  if (c.topk > c.numVectors) throw new TypeError(`VBLoRAConfig: topk (${c.topk}) cannot exceed numVectors (num_vectors, ${c.numVectors})`);
});
export type VBLoRAConfig = InstanceType<typeof VBLoRAConfig>;
