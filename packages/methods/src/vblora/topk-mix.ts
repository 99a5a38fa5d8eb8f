import { arange, concat, eq, fill, log, matmul, softmax, sub, sum, tidy, where, type Tensor } from '@peftjs/core';

/**
 * The one-hot masks [..., V] of the k largest entries of `logits` over its last axis, largest
 * first (torch.topk's order). The choice is not differentiable; it reads detached logits.
 */
export function topkMasks(logits: Tensor, k: number): Tensor[] {
  return tidy(() => {
    const n = logits.shape[logits.rank - 1]!;
    const positions = arange(0, n);
    let rest = logits.detach();
    const masks: Tensor[] = [];
    for (let i = 0; i < k; i++) {
      const mask = eq(positions, rest.argmax(-1, true));
      masks.push(mask);
      rest = where(mask, -Infinity, rest);
    }
    return masks;
  });
}

/**
 * VB-LoRA's sub-vectors: for logits [..., V] over a bank [V, L], the softmax over the top-k
 * logits weighs the chosen bank vectors: Σᵢ softmax(topk)ᵢ · bank[indexᵢ], shape [..., L].
 * Built as a dense mixing matrix times the bank, so gradients reach both logits and bank.
 */
export function topkMix(logits: Tensor, bank: Tensor, k: number): Tensor {
  return tidy(() => {
    const masks = topkMasks(logits, k);
    // where, not a product with the mask: logits loaded from top-k files hold -inf elsewhere
    const values = concat(
      masks.map((m) => sum(where(m, logits, 0), -1, true)),
      -1,
    );
    const weights = softmax(values, -1);
    let mix: Tensor = fill(logits.shape, 0, logits.dtype);
    masks.forEach((m, i) => {
      mix = where(m, weights.narrow(-1, i, 1).expand(logits.shape), mix);
    });
    return matmul(mix, bank);
  });
}

/**
 * PEFT's save_only_topk_weights form of logits [..., V]: the top-k indices (largest first) and
 * the softmax weights of all but the last (they sum to 1).
 */
export function topkWeights(logits: Tensor, k: number): { indices: Tensor; weights: Tensor } {
  return tidy(() => {
    const masks = topkMasks(logits, k);
    const n = logits.shape[logits.rank - 1]!;
    const positions = arange(0, n);
    const indices = concat(
      masks.map((m) => sum(where(m, positions, 0), -1, true)),
      -1,
    );
    const values = concat(
      masks.map((m) => sum(where(m, logits, 0), -1, true)),
      -1,
    );
    return {
      indices,
      weights: softmax(values, -1)
        .narrow(-1, 0, k - 1)
        .contiguous(),
    };
  });
}

/** The inverse of topkWeights, as PEFT loads it: log-weights at the indices, −∞ elsewhere. */
export function logitsFromTopk(indices: Tensor, weights: Tensor, numVectors: number, dtype: 'float32' | 'float64'): Tensor {
  return tidy(() => {
    const k = indices.shape[indices.rank - 1]!;
    const w = weights.cast(dtype);
    const last = sub(1, sum(w, -1, true));
    const logWeights = log(concat([w, last], -1));
    const shape = [...indices.shape.slice(0, -1), numVectors];
    const positions = arange(0, numVectors);
    let logits = fill(shape, -Infinity, dtype);
    for (let i = 0; i < k; i++) {
      const mask = eq(positions, indices.narrow(-1, i, 1));
      logits = where(mask, logWeights.narrow(-1, i, 1).expand(shape), logits);
    }
    return logits;
  });
}
