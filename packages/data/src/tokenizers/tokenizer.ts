import { PreTrainedTokenizer } from './pretrained-tokenizer.js';
import type { TokenizerConfig } from './tokenizer-config.js';

export interface EncodeOptions {
  /** Add the tokens the tokenizer's post-processor adds around a text ([CLS]/[SEP], <s>). Default true. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave special tokens (padding, end of text, [CLS], ...) out of the text. Default false. */
  skipSpecialTokens?: boolean;
}

/** What every tokenizer offers: text to ids and back, and the ids a model and a collator need. */
export interface Tokenizer {
  /** One more than the largest id the tokenizer can produce: the size an embedding table needs. */
  readonly vocabSize: number;
  /** The id used to pad a batch, or undefined when the tokenizer has none. */
  readonly padTokenId: number | undefined;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  encode(text: string, options?: EncodeOptions): number[];
  encodeBatch(texts: readonly string[], options?: EncodeOptions): number[][];
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
}

/** `Tokenizer.fromJSON(tokenizerJson, tokenizerConfig?)` reads a Hugging Face `tokenizer.json`. */
export const Tokenizer = {
  fromJSON(tokenizerJson: unknown, tokenizerConfig?: TokenizerConfig): PreTrainedTokenizer {
    return PreTrainedTokenizer.fromJSON(tokenizerJson, tokenizerConfig);
  },
};
