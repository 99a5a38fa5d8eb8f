/** SpamAssassin emails as byte ids for the classifier: the start of each email, ended by end-of-text. */
import { seededPermutation } from '@peftjs/core';
import { ByteTokenizer, type TokenizedExample } from '@peftjs/data';
import { loadSpamAssassin, type SpamAssassinExample } from '@peftjs/datasets';

export const LABELS = ['ham', 'spam'] as const;

export interface ClassificationExample extends TokenizedExample {
  readonly inputIds: readonly number[];
  readonly label: 0 | 1;
}

export interface SpamData {
  readonly train: readonly ClassificationExample[];
  readonly test: readonly ClassificationExample[];
  /** Share of ham among the test emails: the accuracy of always answering ham. */
  readonly majorityAccuracy: number;
  readonly tokenizer: ByteTokenizer;
}

/**
 * The first `maxLength − 1` bytes of `text` and the end-of-text id. The classifier reads the
 * last real position, so every email ends on the same token, wherever it was cut.
 */
export function encodeEmail(tokenizer: ByteTokenizer, text: string, maxLength: number): number[] {
  if (!Number.isInteger(maxLength) || maxLength < 2)
    throw new RangeError(`encodeEmail: maxLength must be an integer ≥ 2, got ${maxLength}`);
  const ids = tokenizer.encode(text).slice(0, maxLength - 1);
  ids.push(tokenizer.eosTokenId);
  return ids;
}

/** `count` items drawn without replacement by a seeded shuffle (the same draw on every machine). */
export function draw<T>(items: readonly T[], count: number, seed: number): T[] {
  if (count > items.length) throw new RangeError(`draw: cannot draw ${count} of ${items.length} items`);
  const order = seededPermutation(items.length, seed, 0);
  return Array.from({ length: count }, (_, i) => items[order[i]]);
}

export interface SpamDataOptions {
  readonly trainSize: number;
  readonly testSize: number;
  readonly maxLength: number;
  readonly seed: number;
}

export function loadSpamData(options: SpamDataOptions): SpamData {
  const tokenizer = new ByteTokenizer();
  const splits = loadSpamAssassin();
  const encode = (e: SpamAssassinExample): ClassificationExample => ({
    inputIds: encodeEmail(tokenizer, e.text, options.maxLength),
    label: e.label,
  });
  const train = draw(splits.train, options.trainSize, options.seed).map(encode);
  const test = draw(splits.test, options.testSize, options.seed + 1).map(encode);
  const ham = test.filter((e) => e.label === 0).length;
  return { train, test, majorityAccuracy: Math.max(ham, test.length - ham) / test.length, tokenizer };
}
