import { describe, expect, it } from 'vitest';
import { chunkTokens, padSequences } from '../src/index.js';

describe('padSequences', () => {
  const seqs = [[5, 6, 7], [8], [9, 10]];

  it('pads right or left to the longest, with the attention mask', () => {
    expect(padSequences(seqs, { padTokenId: 0 })).toEqual({
      inputIds: [
        [5, 6, 7],
        [8, 0, 0],
        [9, 10, 0],
      ],
      attentionMask: [
        [1, 1, 1],
        [1, 0, 0],
        [1, 1, 0],
      ],
    });
    expect(padSequences(seqs, { padTokenId: -1, side: 'left' })).toEqual({
      inputIds: [
        [5, 6, 7],
        [-1, -1, 8],
        [-1, 9, 10],
      ],
      attentionMask: [
        [1, 1, 1],
        [0, 0, 1],
        [0, 1, 1],
      ],
    });
    expect(padSequences([Int32Array.from([1, 2]), [3]], { padTokenId: 0 }).inputIds).toEqual([
      [1, 2],
      [3, 0],
    ]);
    expect(padSequences([], { padTokenId: 0 })).toEqual({ inputIds: [], attentionMask: [] });
  });

  it('truncates on either side, pads to maxLength or a multiple', () => {
    expect(padSequences(seqs, { padTokenId: 0, maxLength: 2, truncation: true }).inputIds).toEqual([
      [5, 6],
      [8, 0],
      [9, 10],
    ]);
    expect(padSequences(seqs, { padTokenId: 0, maxLength: 2, truncation: true, truncationSide: 'left' }).inputIds).toEqual([
      [6, 7],
      [8, 0],
      [9, 10],
    ]);
    expect(padSequences(seqs, { padTokenId: 0, maxLength: 4, padding: 'maxLength' }).attentionMask).toEqual([
      [1, 1, 1, 0],
      [1, 0, 0, 0],
      [1, 1, 0, 0],
    ]);
    expect(padSequences(seqs, { padTokenId: 0, padToMultipleOf: 4 }).inputIds[1]).toEqual([8, 0, 0, 0]);
    // Truncation to 10 does not pad shorter batches up to 10.
    expect(padSequences(seqs, { padTokenId: 0, maxLength: 10, truncation: true }).inputIds[0]).toEqual([5, 6, 7]);
  });

  it('names the function, the argument and the value on bad input', () => {
    expect(() => padSequences(seqs, { padTokenId: 0, maxLength: 2 })).toThrow(
      'padSequences: seqs[0] has 3 tokens, more than maxLength 2 (pass truncation: true to cut it)',
    );
    expect(() => padSequences(seqs, { padTokenId: undefined as unknown as number })).toThrow(
      'padSequences: padTokenId must be an integer, got undefined',
    );
    expect(() => padSequences(seqs, { padTokenId: 0, side: 'up' as 'left' })).toThrow(
      `padSequences: side must be 'right' or 'left', got "up"`,
    );
    expect(() => padSequences(seqs, { padTokenId: 0, truncation: true })).toThrow('padSequences: truncation needs maxLength');
    expect(() => padSequences([[1], 7 as unknown as number[]], { padTokenId: 0 })).toThrow(
      'padSequences: seqs[1] is not a sequence of ids',
    );
  });
});

describe('chunkTokens', () => {
  it('cuts contiguous blocks and drops the short tail unless asked', () => {
    const ids = Array.from({ length: 10 }, (_, i) => i);
    expect(chunkTokens(ids, 4).map((b) => Array.from(b))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(chunkTokens(ids, 4, { dropLast: false }).map((b) => Array.from(b))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(chunkTokens(Int32Array.from(ids), 5).map((b) => Array.from(b))).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    expect(chunkTokens([1, 2], 3)).toEqual([]);
    const blocks = chunkTokens(ids, 4);
    expect(blocks[0]).toBeInstanceOf(Int32Array);
  });

  it('rejects a bad block size', () => {
    expect(() => chunkTokens([1, 2], 0)).toThrow('chunkTokens: blockSize must be a positive integer, got 0');
    expect(() => chunkTokens('abc' as unknown as number[], 2)).toThrow('chunkTokens: ids must be an array or typed array of token ids');
  });
});
