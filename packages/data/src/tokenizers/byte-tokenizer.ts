import { bytesToUnicode } from './byte-level.js';
import { tokenContent, type TokenizerConfig } from './tokenizer-config.js';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './tokenizer.js';

export interface ByteTokenizerOptions {
  /** Tokens after the 256 bytes, in id order (256, 257, ...). Default `['<|endoftext|>']`. */
  specialTokens?: readonly string[];
  /** The token that ends a text (required, one of `specialTokens`). Default `'<|endoftext|>'`. */
  eosToken?: string;
  /** Which special tokens start a text and pad a batch (each one of `specialTokens`). bos defaults to eos. */
  bosToken?: string | null;
  padToken?: string | null;
}

const END_OF_TEXT = '<|endoftext|>';

/**
 * Byte-level tokenizer: ids 0–255 are the UTF-8 bytes of the text, special tokens follow from 256.
 * Special tokens written in the text are recognised (as Hugging Face tokenizers do); nothing is added
 * around a text, so a caller appends `eosTokenId` (always defined) where a document ends, as GPT-2
 * training does.
 * `toJSON()` writes a Hugging Face `tokenizer.json` (byte-level BPE with no merges) and
 * `tokenizerConfig()` its `tokenizer_config.json` (the bos/eos/pad roles), so a saved tokenizer also
 * loads with `Tokenizer.fromJSON` and with the Hugging Face `tokenizers` library.
 */
export class ByteTokenizer implements Tokenizer {
  readonly specialTokens: readonly string[];
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number;
  readonly padTokenId: number | undefined;
  private readonly specialIds: Map<string, number>;
  private readonly specialPattern: RegExp | undefined;

  constructor(options: ByteTokenizerOptions = {}) {
    const specials = options.specialTokens ?? [END_OF_TEXT];
    this.specialTokens = [...specials];
    this.specialIds = new Map();
    for (const [i, token] of specials.entries()) {
      if (typeof token !== 'string' || token.length === 0) {
        throw new TypeError(`ByteTokenizer: specialTokens[${i}] must be a non-empty string, got ${JSON.stringify(token)}`);
      }
      if (this.specialIds.has(token)) throw new RangeError(`ByteTokenizer: special token ${JSON.stringify(token)} is listed twice`);
      this.specialIds.set(token, 256 + i);
    }
    const eos = options.eosToken ?? END_OF_TEXT;
    this.eosTokenId = this.roleId('eosToken', eos)!;
    this.bosTokenId = this.roleId('bosToken', options.bosToken === undefined ? eos : options.bosToken);
    this.padTokenId = this.roleId('padToken', options.padToken ?? null);
    // Longest first, so a special token that contains another wins.
    const escaped = [...specials].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.specialPattern = escaped.length > 0 ? new RegExp(escaped.join('|'), 'g') : undefined;
  }

  get vocabSize(): number {
    return 256 + this.specialTokens.length;
  }

  encode(text: string, _options?: EncodeOptions): number[] {
    if (typeof text !== 'string') throw new TypeError(`ByteTokenizer.encode: text must be a string, got ${typeof text}`);
    const encoder = new TextEncoder();
    const ids: number[] = [];
    const pushBytes = (part: string) => {
      for (const b of encoder.encode(part)) ids.push(b);
    };
    let start = 0;
    if (this.specialPattern) {
      for (const match of text.matchAll(this.specialPattern)) {
        pushBytes(text.slice(start, match.index));
        ids.push(this.specialIds.get(match[0])!);
        start = match.index! + match[0].length;
      }
    }
    pushBytes(text.slice(start));
    return ids;
  }

  encodeBatch(texts: readonly string[], options?: EncodeOptions): number[][] {
    return texts.map((t) => this.encode(t, options));
  }

  /** Bytes that are not valid UTF-8 decode to U+FFFD, as `TextDecoder` and Rust's `from_utf8_lossy` do. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const decoder = new TextDecoder('utf-8', { fatal: false });
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      out += decoder.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`ByteTokenizer.decode: ids[${i}] = ${id} is not an id of this tokenizer (0..${this.vocabSize - 1})`);
      }
      if (id < 256) {
        bytes.push(id);
      } else {
        flush();
        if (!options.skipSpecialTokens) out += this.specialTokens[id - 256];
      }
    }
    flush();
    return out;
  }

  /** A Hugging Face `tokenizer.json`: byte-level BPE whose vocabulary maps byte b's character to id b. */
  toJSON(): object {
    const vocab: Record<string, number> = {};
    bytesToUnicode().forEach((ch, b) => (vocab[ch] = b));
    const addedTokens = this.specialTokens.map((content, i) => ({
      id: 256 + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
    const pad =
      this.padTokenId === undefined
        ? null
        : {
            strategy: 'BatchLongest',
            direction: 'Right',
            pad_to_multiple_of: null,
            pad_id: this.padTokenId,
            pad_type_id: 0,
            pad_token: this.specialTokens[this.padTokenId - 256],
          };
    return {
      version: '1.0',
      truncation: null,
      padding: pad,
      added_tokens: addedTokens,
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges: [],
      },
    };
  }

  /** The `tokenizer_config.json` beside `toJSON()`'s file: which special token plays which part. */
  tokenizerConfig(): TokenizerConfig {
    return {
      tokenizer_class: 'PreTrainedTokenizerFast',
      bos_token: this.tokenFor(this.bosTokenId),
      eos_token: this.tokenFor(this.eosTokenId),
      pad_token: this.tokenFor(this.padTokenId),
      clean_up_tokenization_spaces: false,
    };
  }

  /**
   * Reads what `toJSON()` (and `tokenizerConfig()`) wrote; refuses any other tokenizer.json (use
   * `Tokenizer.fromJSON` for those). Without a config the roles default as in the constructor.
   */
  static fromJSON(json: unknown, config?: TokenizerConfig): ByteTokenizer {
    const j = json as any;
    const vocab = j?.model?.vocab;
    const chars = bytesToUnicode();
    const isByteVocab = j?.model?.type === 'BPE' && vocab && Object.keys(vocab).length === 256 && chars.every((ch, b) => vocab[ch] === b);
    if (!isByteVocab || (j.model.merges ?? []).length !== 0 || j.pre_tokenizer?.type !== 'ByteLevel') {
      throw new TypeError('ByteTokenizer.fromJSON: not a byte tokenizer (a byte-level BPE with the 256 bytes as ids 0-255 and no merges)');
    }
    const added = [...(j.added_tokens ?? [])].sort((a: any, b: any) => a.id - b.id);
    added.forEach((t: any, i: number) => {
      if (t.id !== 256 + i)
        throw new RangeError(`ByteTokenizer.fromJSON: added token ${JSON.stringify(t.content)} has id ${t.id}, expected ${256 + i}`);
    });
    return new ByteTokenizer({
      specialTokens: added.map((t: any) => t.content),
      bosToken: config ? tokenContent(config.bos_token) : undefined,
      eosToken: tokenContent(config?.eos_token) ?? undefined,
      padToken: tokenContent(config?.pad_token) ?? j.padding?.pad_token ?? null,
    });
  }

  private roleId(role: string, token: string | null): number | undefined {
    if (token === null) return undefined;
    const id = this.specialIds.get(token);
    if (id === undefined) {
      throw new RangeError(
        `ByteTokenizer: ${role} ${JSON.stringify(token)} is not one of specialTokens ${JSON.stringify(this.specialTokens)}`,
      );
    }
    return id;
  }

  private tokenFor(id: number | undefined): string | null {
    return id === undefined ? null : this.specialTokens[id - 256];
  }
}
