import { promptLearningMethod } from '../prompt-learning/prompt-learning-method.js';
import { PromptEncoderConfig } from './config.js';
import { PromptEncoder } from './prompt-encoder.js';

/** P-tuning (Liu et al., 2021): virtual token embeddings reparameterized by an MLP or LSTM. */
export const pTuning = promptLearningMethod<PromptEncoderConfig>({
  peftType: 'P_TUNING',
  configClass: PromptEncoderConfig,
  createEncoder: (config, s) =>
    new PromptEncoder({
      ...s,
      encoderHiddenSize: config.encoderHiddenSize ?? s.tokenDim,
      encoderReparameterizationType: config.encoderReparameterizationType,
      encoderNumLayers: config.encoderNumLayers,
      encoderDropout: config.encoderDropout,
      inferenceMode: config.inferenceMode,
    }),
  outputIsTable: (config) => config.inferenceMode,
});

export { PromptEncoderConfig, type PromptEncoderConfigFields } from './config.js';
export { PromptEncoder, type PromptEncoderOptions, type PromptEncoderReparameterizationType } from './prompt-encoder.js';
export { LSTM, type LSTMOptions } from './lstm.js';
