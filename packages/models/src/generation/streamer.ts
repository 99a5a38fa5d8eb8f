import type { DecodingTokenizer, GenerationStreamer } from './options.js';

/**
 * Writes the text of one row as it is generated (transformers' TextStreamer for batch 1): each
 * step decodes the tokens so far and writes what is new, holding back an incomplete UTF-8
 * character (U+FFFD at the end) until its last byte arrives.
 */
export class TextStreamer implements GenerationStreamer {
  private readonly tokens: number[] = [];
  private written = 0;

  constructor(
    private readonly tokenizer: DecodingTokenizer,
    private readonly write: (text: string) => void,
    private readonly skipTokenIds: readonly number[] = [],
  ) {}

  put(tokens: readonly number[]): void {
    if (tokens.length !== 1) throw new RangeError(`TextStreamer: streams one row, got a batch of ${tokens.length}`);
    if (this.skipTokenIds.includes(tokens[0])) return;
    this.tokens.push(tokens[0]);
    const text = this.tokenizer.decode(this.tokens);
    if (text.endsWith('\uFFFD')) return;
    if (text.length > this.written) this.write(text.slice(this.written));
    this.written = text.length;
  }

  end(): void {
    const text = this.tokenizer.decode(this.tokens);
    if (text.length > this.written) this.write(text.slice(this.written));
    this.written = text.length;
  }
}
