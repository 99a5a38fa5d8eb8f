import { dottedPatternValue } from '../tuners/dotted-pattern.js';
import { checkLayerSelection } from '../tuners/check-layer-selection.js';
import { TARGET_FIELDS, type TargetFields } from '../tuners/target-fields.js';
import { defineConfig } from '../method/peft-config.js';
import { field, type FieldSpecs } from '../method/config-fields.js';

export interface FourierFTConfigFields extends TargetFields {
  /** Trained spectral entries per layer. */
  nFrequency: number;
  /** ΔW = scaling · Re(IDFT2(S)). */
  scaling: number;
  /** Seed of PyTorch's generator that picks the entries (the same seed gives PEFT's positions). */
  randomLocSeed: number | null;
  /** The target stores its weight [in, out] (GPT-2's Conv1D); read from the layer itself. */
  fanInFanOut: boolean;
  /** Only 'none': PEFT trains base biases for 'all'/'fourier_only' but does not save them. */
  bias: 'none' | 'all' | 'fourier_only';
  /** nFrequency per module: a key matches a module name ending in `.<key>` (regex). */
  nFrequencyPattern: Record<string, number>;
  /** true: the spectrum starts at zero (a no-op); false (PEFT's default): standard normal. */
  initWeights: boolean;
}

export const FOURIERFT_FIELDS: FieldSpecs<FourierFTConfigFields> = {
  nFrequency: field.int(1000, { min: 1 }),
  scaling: field.number(150),
  randomLocSeed: field.int(777, { nullable: true }),
  fanInFanOut: field.boolean(false),
  ...TARGET_FIELDS,
  bias: field.string('none', {
    choices: ['none', 'all', 'fourier_only'],
    unsupported: 'training base biases, which PEFT does not save for FourierFT',
  }),
  nFrequencyPattern: field.numberRecord({}),
  initWeights: field.boolean(false),
};

/** PEFT's FourierFTConfig: `new FourierFTConfig({ nFrequency: 1000, scaling: 150, targetModules: ['q_proj', 'v_proj'] })`. */
export const FourierFTConfig = defineConfig<FourierFTConfigFields>('FourierFTConfig', 'FOURIERFT', FOURIERFT_FIELDS, (c) => {
  checkLayerSelection('FourierFTConfig', c, { regexExcludesLayers: true });
  for (const [k, v] of Object.entries(c.nFrequencyPattern)) {
    if (!Number.isInteger(v) || v < 1)
      throw new TypeError(`FourierFTConfig: nFrequencyPattern['${k}'] must be a positive integer, got ${v}`);
  }
});
export type FourierFTConfig = InstanceType<typeof FourierFTConfig>;

/** PEFT's n_frequency_pattern lookup (a key matches a module name ending in `.<key>`). */
export function frequencyCount(config: { nFrequency: number; nFrequencyPattern: Record<string, number> }, key: string): number {
  return dottedPatternValue(config.nFrequencyPattern, key, config.nFrequency);
}
