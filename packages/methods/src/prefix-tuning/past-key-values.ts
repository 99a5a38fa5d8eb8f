import { formatShape, type Tensor, tidy } from '@peftjs/core';
import type { PastKeyValues } from '@peftjs/models';
import type { PromptLearningSettings } from '../prompt-learning/settings.js';

/**
 * The prefix encoder's output [n, num_layers · 2 · token_dim] as per-layer keys and values, each
 * [batch, heads, n, head_dim] (HF PEFT's get_prompt): viewed as [n, layers · 2, heads, head_dim],
 * moved to [layers · 2, heads, n, head_dim]; layer l takes rows 2l (keys) and 2l + 1 (values).
 */
export function prefixPastKeyValues(encoded: Tensor, batch: number, s: PromptLearningSettings, dtype = encoded.dtype): PastKeyValues {
  const n = s.numVirtualTokens;
  const heads = s.numAttentionHeads;
  const headDim = s.tokenDim / heads;
  if (encoded.rank !== 2 || encoded.shape[0] !== n || encoded.shape[1] !== s.numLayers * 2 * s.tokenDim) {
    throw new RangeError(
      `prefix tuning: the prefix encoder gives ${formatShape(encoded.shape)}, expected [${n}, ${s.numLayers * 2 * s.tokenDim}] (num_virtual_tokens, num_layers · 2 · token_dim)`,
    );
  }
  return tidy(() => {
    const typed = encoded.cast(dtype);
    const perRow = typed.reshape([n, s.numLayers * 2, heads, headDim]).permute([1, 2, 0, 3]);
    const row = (i: number) => perRow.slice(0, i, i + 1).expand([batch, heads, n, headDim]);
    return Array.from({ length: s.numLayers }, (_, l) => [row(2 * l), row(2 * l + 1)] as const);
  });
}
