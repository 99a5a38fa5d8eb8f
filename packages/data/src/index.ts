export { ByteTokenizer, type ByteTokenizerOptions } from './tokenizers/byte-tokenizer.js';
export { Tokenizer, type EncodeOptions, type DecodeOptions } from './tokenizers/tokenizer.js';
export { PreTrainedTokenizer, type PreTrainedDecodeOptions } from './tokenizers/pretrained-tokenizer.js';
export { AutoTokenizer, type TokenizerFileSource } from './tokenizers/auto-tokenizer.js';
export type { TokenizerConfig, SpecialTokenValue } from './tokenizers/tokenizer-config.js';
export { bytesToUnicode } from './tokenizers/byte-level.js';
export { padSequences, type PadOptions, type PaddedSequences, type Side } from './batching/pad-sequences.js';
export {
  dataCollatorWithPadding,
  dataCollatorForLanguageModeling,
  IGNORE_INDEX,
  type Batch,
  type CollateOptions,
  type TokenizedExample,
} from './batching/collate.js';
export { chunkTokens } from './batching/chunk-tokens.js';
