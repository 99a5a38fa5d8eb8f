import { checkLayerSelection } from '../tuners/check-layer-selection.js';
import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';
import { SUPPORTED_WAVELETS, isSupportedWavelet, waveletReduction } from './wavelets.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface WaveFTConfigFields extends TargetFields {
  /** Trained wavelet-domain entries per layer (the budget per layer with proportionalParameters). */
  nFrequency: number;
  /** ΔW = scaling · IDWT(S). */
  scaling: number;
  /** The wavelet of the inverse transform ('db1' = Haar). */
  waveletFamily: string;
  /** false: the spectrum is ΔW itself (no transform). */
  useIdwt: boolean;
  /** Seed of PyTorch's generator that picks the entries (the same seed gives PEFT's positions). */
  randomLocSeed: number;
  /** The target stores its weight [in, out] (GPT-2's Conv1D); read from the layer itself. */
  fanInFanOut: boolean;
  /** Only 'none': PEFT trains base biases for 'all'/'waveft_only' but does not save them. */
  bias: 'none' | 'all' | 'waveft_only';
  /** nFrequency per module (keys match like rank_pattern's). */
  nFrequencyPattern: Record<string, number>;
  /** Share nFrequency × (number of targets) among the targets in proportion to their sizes. */
  proportionalParameters: boolean;
  /** true: the spectrum starts at zero (a no-op); false: normal with std 0.01. */
  initWeights: boolean;
}

export const WAVEFT_FIELDS: FieldSpecs<WaveFTConfigFields> = {
  nFrequency: field.int(2592, { min: 1 }),
  scaling: field.number(25),
  waveletFamily: field.string('db1'),
  useIdwt: field.boolean(true),
  randomLocSeed: field.int(777),
  fanInFanOut: field.boolean(false),
  ...TARGET_FIELDS,
  bias: field.string('none', {
    choices: ['none', 'all', 'waveft_only'],
    unsupported: 'training base biases, which PEFT does not save for WaveFT',
  }),
  nFrequencyPattern: field.numberRecord({}),
  proportionalParameters: field.boolean(false),
  initWeights: field.boolean(true),
};

/** PEFT's WaveFTConfig: `new WaveFTConfig({ nFrequency: 2592, targetModules: ['q_proj', 'v_proj'] })`. */
export const WaveFTConfig = defineConfig<WaveFTConfigFields>('WaveFTConfig', 'WAVEFT', WAVEFT_FIELDS, (c) => {
  checkLayerSelection('WaveFTConfig', c, { regexExcludesLayers: true });
  if (waveletReduction(c.waveletFamily) === null) {
    throw new TypeError(`WaveFTConfig: waveletFamily (wavelet_family) '${c.waveletFamily}' is not a family PEFT knows (dbN, symN, coifN)`);
  }
  if (c.useIdwt && !isSupportedWavelet(c.waveletFamily)) {
    throw new TypeError(
      `WaveFTConfig: waveletFamily (wavelet_family) '${c.waveletFamily}' is not supported by peft.js (supported: ${SUPPORTED_WAVELETS})`,
    );
  }
  for (const [k, v] of Object.entries(c.nFrequencyPattern)) {
    if (!Number.isInteger(v) || v < 1) throw new TypeError(`WaveFTConfig: nFrequencyPattern['${k}'] must be a positive integer, got ${v}`);
  }
});
export type WaveFTConfig = InstanceType<typeof WaveFTConfig>;
