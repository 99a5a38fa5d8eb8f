import { rand, type Module } from '@peftjs/core';
import { promptLearningMethod } from '../prompt-learning/prompt-learning-method.js';
import { findWordEmbeddings } from '../prompt-learning/word-embeddings.js';
import { PromptTuningConfig } from './config.js';
import { PromptEmbedding } from './prompt-embedding.js';

/** Prompt tuning (Lester et al., 2021): learned virtual token embeddings in front of the input. */
export const promptTuning = promptLearningMethod<PromptTuningConfig>({
  peftType: 'PROMPT_TUNING',
  configClass: PromptTuningConfig,
  createEncoder(config, s, model: Module) {
    const encoder = new PromptEmbedding(s);
    if (config.inferenceMode) return encoder;
    if (config.promptTuningInit === 'TEXT') {
      encoder.dispose();
      throw new Error(
        "PromptTuningConfig: promptTuningInit 'TEXT' needs a tokenizer, which peft.js does not download; " +
          "make the adapter with 'RANDOM' and call PromptEmbedding.initFromTokens with the text's token ids",
      );
    }
    if (config.promptTuningInit === 'SAMPLE_VOCAB') {
      const vocab = (model as { config?: { vocabSize?: number } }).config?.vocabSize;
      const words = findWordEmbeddings(model, vocab ?? -1);
      const u = rand([encoder.totalVirtualTokens]);
      const ids = [...u.dataSync()].map((v) => Math.min(words.numEmbeddings - 1, Math.floor(v * words.numEmbeddings)));
      u.dispose();
      encoder.initFromTokens(words, ids);
    }
    return encoder;
  },
  outputIsTable: () => true,
});

export { PromptTuningConfig, type PromptTuningConfigFields, type PromptTuningInit } from './config.js';
export { PromptEmbedding, type PromptEmbeddingOptions } from './prompt-embedding.js';
