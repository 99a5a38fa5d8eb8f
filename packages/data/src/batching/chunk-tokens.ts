/**
 * Cuts a token stream into contiguous, non-overlapping blocks of `blockSize` ids for language-model
 * pretraining (HF's `group_texts`): the model shifts the targets itself, so a block is both input and
 * labels. The tail shorter than a block is dropped unless `dropLast` is false.
 */
export function chunkTokens(ids: ArrayLike<number>, blockSize: number, options: { dropLast?: boolean } = {}): Int32Array[] {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
    throw new TypeError('chunkTokens: ids must be an array or typed array of token ids');
  }
  if (!Number.isInteger(blockSize) || blockSize <= 0)
    throw new RangeError(`chunkTokens: blockSize must be a positive integer, got ${blockSize}`);
  const all = ids instanceof Int32Array ? ids : Int32Array.from(ids);
  const blocks: Int32Array[] = [];
  const end = options.dropLast === false ? all.length : all.length - (all.length % blockSize);
  for (let start = 0; start < end; start += blockSize) blocks.push(all.slice(start, Math.min(start + blockSize, end)));
  return blocks;
}
