import { eye, mul, reshape, tidy, type Tensor } from '@peftjs/core';

/** The block-diagonal matrix [d·h, d·w] of blocks [d, h, w] (torch.block_diag of the blocks), differentiable. */
export function blockDiagonal(blocks: Tensor): Tensor {
  if (blocks.rank !== 3) throw new RangeError(`blockDiagonal: blocks must be [d, h, w], got [${blocks.shape.join(', ')}]`);
  const [d, h, w] = blocks.shape as [number, number, number];
  return tidy(() => {
    // [d, h, 1, w] · [d, 1, d, 1] puts block i in row band i and column band i
    const spread = mul(reshape(blocks, [d, h, 1, w]), reshape(eye(d, d, blocks.dtype), [d, 1, d, 1]));
    return reshape(spread, [d * h, d * w]);
  });
}
