/** The pretraining text as byte blocks: each corpus encoded to bytes, ended by the end-of-text token. */
import { ByteTokenizer, chunkTokens } from '@peftjs/data';
import { loadMobyDick, loadSotu } from '@peftjs/datasets';

export type Split = 'train' | 'validation';

export interface CorpusBlocks {
  readonly name: string;
  /** Non-overlapping windows of `blockSize` token ids. */
  readonly blocks: readonly Int32Array[];
  readonly bytes: number;
}

export const CORPORA = { sotu: loadSotu, 'moby-dick': loadMobyDick } as const;

export function corpusBlocks(tokenizer: ByteTokenizer, split: Split, blockSize: number): CorpusBlocks[] {
  return Object.entries(CORPORA).map(([name, load]) => {
    const text = load()[split];
    const ids = tokenizer.encode(text);
    ids.push(tokenizer.eosTokenId);
    return { name, blocks: chunkTokens(ids, blockSize), bytes: ids.length };
  });
}

/** `count` windows spread evenly over `blocks` (all of them when count is 0 or covers them). */
export function evenlySpaced<T>(blocks: readonly T[], count: number): T[] {
  if (count === 0 || count >= blocks.length) return [...blocks];
  return Array.from({ length: count }, (_, i) => blocks[Math.floor((i * blocks.length) / count)]);
}
