import { promptLearningMethod } from '../prompt-learning/prompt-learning-method.js';
import { PrefixTuningConfig } from './config.js';
import { PrefixEncoder } from './prefix-encoder.js';
import { forwardWithPrefixTuning } from './prefix-forward.js';

/** Prefix tuning (Li & Liang, 2021): learned keys and values in front of every layer's attention. */
export const prefixTuning = promptLearningMethod<PrefixTuningConfig>({
  peftType: 'PREFIX_TUNING',
  configClass: PrefixTuningConfig,
  createEncoder: (config, s) =>
    new PrefixEncoder({
      ...s,
      encoderHiddenSize: config.encoderHiddenSize ?? s.tokenDim,
      prefixProjection: config.prefixProjection,
      inferenceMode: config.inferenceMode,
    }),
  outputIsTable: (config) => config.inferenceMode || !config.prefixProjection,
  forward: forwardWithPrefixTuning,
});

export { PrefixTuningConfig, type PrefixTuningConfigFields } from './config.js';
export { PrefixEncoder, type PrefixEncoderOptions } from './prefix-encoder.js';
export { prefixPastKeyValues } from './past-key-values.js';
