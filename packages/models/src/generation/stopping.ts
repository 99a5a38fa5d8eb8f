import type { DecodingTokenizer } from './options.js';

/**
 * Whether the row's last token completed one of the stop strings: the text of the row now holds a
 * stop string that ends inside the last token's text (transformers' StopStringCriteria).
 */
export function hitsStopString(tokenizer: DecodingTokenizer, row: readonly number[], stopStrings: readonly string[]): boolean {
  if (stopStrings.length === 0 || row.length === 0) return false;
  // a stop string spans at most its length in tokens (each token decodes to at least one character or byte)
  const window = Math.max(...stopStrings.map((s) => s.length)) + 1;
  const tail = row.slice(Math.max(0, row.length - window));
  const before = tokenizer.decode(tail.slice(0, -1));
  const text = tokenizer.decode(tail);
  return stopStrings.some((s) => text.indexOf(s, Math.max(0, before.length - s.length + 1)) >= 0);
}
