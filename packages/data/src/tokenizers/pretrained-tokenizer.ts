import { Tokenizer as HFTokenizer } from '@huggingface/tokenizers';
import { tokenContent, type SpecialTokenValue, type TokenizerConfig } from './tokenizer-config.js';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './tokenizer.js';

export type { TokenizerConfig } from './tokenizer-config.js';

export interface PreTrainedDecodeOptions extends DecodeOptions {
  /** Remove spaces before punctuation and contractions (transformers' cleanup). Default: the config's, else true. */
  cleanUpTokenizationSpaces?: boolean;
}

/**
 * A Hugging Face `tokenizer.json` (BPE as GPT-2 and Llama use it, WordPiece as BERT, Unigram), run by
 * `@huggingface/tokenizers`, with the special-token roles of `tokenizer_config.json`.
 */
export class PreTrainedTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly padTokenId: number | undefined;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly unkTokenId: number | undefined;
  private readonly inner: HFTokenizer;

  private constructor(
    tokenizerJson: Record<string, any>,
    readonly config: TokenizerConfig,
  ) {
    try {
      this.inner = new HFTokenizer(tokenizerJson, config);
    } catch (e) {
      throw new Error(`Tokenizer.fromJSON: cannot build the tokenizer: ${(e as Error).message}`, { cause: e });
    }
    let maxId = -1;
    for (const id of this.inner.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    this.padTokenId = this.roleId(config.pad_token) ?? tokenizerJson.padding?.pad_id ?? undefined;
    this.bosTokenId = this.roleId(config.bos_token);
    this.eosTokenId = this.roleId(config.eos_token);
    this.unkTokenId = this.roleId(config.unk_token ?? tokenizerJson.model?.unk_token);
  }

  /** Reads a parsed (or string) `tokenizer.json`, with the parsed `tokenizer_config.json` when there is one. */
  static fromJSON(tokenizerJson: unknown, tokenizerConfig: TokenizerConfig = {}): PreTrainedTokenizer {
    const json = typeof tokenizerJson === 'string' ? parseJSON(tokenizerJson, 'tokenizerJson') : tokenizerJson;
    if (json === null || typeof json !== 'object' || typeof (json as any).model !== 'object' || (json as any).model === null) {
      throw new TypeError('Tokenizer.fromJSON: tokenizerJson is not a tokenizer.json (it has no "model" object)');
    }
    return new PreTrainedTokenizer(json as Record<string, any>, tokenizerConfig);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new TypeError(`Tokenizer.encode: text must be a string, got ${typeof text}`);
    return this.inner.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  encodeBatch(texts: readonly string[], options?: EncodeOptions): number[][] {
    return texts.map((t) => this.encode(t, options));
  }

  /** The tokens (vocabulary strings) `encode` would give, for inspection. */
  tokenize(text: string, options: EncodeOptions = {}): string[] {
    return this.inner.tokenize(text, { add_special_tokens: options.addSpecialTokens ?? true });
  }

  decode(ids: ArrayLike<number>, options: PreTrainedDecodeOptions = {}): string {
    const list = Array.from(ids);
    list.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`Tokenizer.decode: ids[${i}] = ${id} is not an id of this tokenizer (0..${this.vocabSize - 1})`);
      }
    });
    return this.inner.decode(list, {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? null,
    });
  }

  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.inner.id_to_token(id);
  }

  private roleId(value: SpecialTokenValue): number | undefined {
    const token = tokenContent(value);
    return token === null ? undefined : this.inner.token_to_id(token);
  }
}

export function parseJSON(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Tokenizer: ${what} is not valid JSON: ${(e as Error).message}`);
  }
}
