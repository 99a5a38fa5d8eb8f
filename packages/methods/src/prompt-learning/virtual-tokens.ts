import { tensor, type Tensor } from '@peftjs/core';

/** The virtual token ids 0..n−1 (int32 [n]) on `like`'s backend (PEFT's prompt_tokens). */
export function virtualTokenIds(n: number, like: Tensor): Tensor {
  return tensor(
    Int32Array.from({ length: n }, (_, i) => i),
    { shape: [n], dtype: 'int32', backend: like.backend },
  );
}
