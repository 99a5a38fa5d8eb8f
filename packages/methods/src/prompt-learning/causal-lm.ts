import { concat, type Embedding, fill, formatShape, KeyValueCache, type Tensor, tidy } from '@peftjs/core';
import type { ModelInputs, ModelOutput, PastKeyValues } from '@peftjs/models';

/** A causal LM that takes inputsEmbeds and per-layer pastKeyValues (GPT-2, Llama). */
export interface CausalLM {
  forward(inputs: ModelInputs): ModelOutput;
}

function batchSize(inputs: ModelInputs): number {
  const x = inputs.inputIds ?? inputs.inputsEmbeds;
  if (!x) throw new TypeError('prompt learning: forward needs inputIds or inputsEmbeds');
  return x.shape[0];
}

/** The attention mask with `n` ones in front (the virtual tokens are always attended). */
function prefixedMask(mask: Tensor, n: number): Tensor {
  if (mask.rank !== 2) throw new RangeError(`prompt learning: attentionMask must be [batch, seq], got ${formatShape(mask.shape)}`);
  return concat([fill([mask.shape[0], n], 1, mask.dtype, mask.backend), mask], 1);
}

/** Labels with `n` ignored positions (-100) in front, for the virtual tokens. */
function prefixedLabels(labels: Tensor, n: number): Tensor {
  if (labels.rank !== 2 || labels.dtype !== 'int32')
    throw new RangeError(`prompt learning: labels must be int32 [batch, seq], got ${labels.dtype} ${formatShape(labels.shape)}`);
  return concat([fill([labels.shape[0], n], -100, 'int32', labels.backend), labels], 1);
}

/** A generation cache that already holds the virtual tokens (every step after the first). */
function filledCache(inputs: ModelInputs): KeyValueCache | null {
  const past = inputs.pastKeyValues;
  return past instanceof KeyValueCache && past.length > 0 ? past : null;
}

/**
 * A decoding step after the first: the cache holds the n virtual tokens and the tokens so far, so
 * only the new tokens run, with n ones in front of the mask. Position ids are dropped, as PEFT
 * does for every prompt-learning method ("Position ids are not supported"): the model numbers
 * positions by cache position, so the pads of a left-padded row shift its positions.
 */
function forwardCached(base: CausalLM, cache: KeyValueCache, n: number, inputs: ModelInputs): ModelOutput {
  return tidy(() =>
    base.forward({
      inputIds: inputs.inputIds,
      inputsEmbeds: inputs.inputsEmbeds,
      attentionMask: inputs.attentionMask ? prefixedMask(inputs.attentionMask, n) : null,
      pastKeyValues: cache,
    }),
  );
}

/**
 * Prompt tuning and P-tuning (HF PEFT's PeftModelForCausalLM.forward): the virtual token
 * embeddings `prompts` [n, token_dim] go in front of the token embeddings, the mask gets n ones
 * and the labels n ignored positions; the output covers n + seq positions. With a generation
 * cache (pastKeyValues), the first call fills it with the virtual tokens too and later calls run
 * only the new tokens.
 */
export function forwardWithPrompts(base: CausalLM, wordEmbeddings: Embedding, prompts: Tensor, inputs: ModelInputs): ModelOutput {
  const n = prompts.shape[0];
  const cache = filledCache(inputs);
  if (cache) return forwardCached(base, cache, n, inputs);
  const fresh = inputs.pastKeyValues instanceof KeyValueCache ? inputs.pastKeyValues : null;
  return tidy(() => {
    const batch = batchSize(inputs);
    const embeds = inputs.inputsEmbeds ?? wordEmbeddings.forward(inputs.inputIds!);
    if (embeds.rank !== 3 || embeds.shape[2] !== prompts.shape[1]) {
      throw new RangeError(
        `prompt learning: the token embeddings ${formatShape(embeds.shape)} do not match the prompts ${formatShape(prompts.shape)} (token_dim)`,
      );
    }
    const p = prompts.cast(embeds.dtype);
    const inputsEmbeds = concat([p.unsqueeze(0).expand([batch, n, p.shape[1]]), embeds], 1);
    return base.forward({
      inputsEmbeds,
      attentionMask: inputs.attentionMask ? prefixedMask(inputs.attentionMask, n) : null,
      labels: inputs.labels ? prefixedLabels(inputs.labels, n) : null,
      pastKeyValues: fresh,
    });
  });
}

/**
 * Prefix tuning (HF PEFT's PeftModelForCausalLM.forward): the per-layer prefixes go in as past
 * keys and values, and the mask gets one 1 for each of the n virtual tokens in front; the output
 * covers the seq positions. With an empty generation cache, the prefixes are its first entries
 * (PEFT's get_prompt as past_key_values); later calls run only the new tokens on the cache.
 */
export function forwardWithPrefix(base: CausalLM, pastKeyValues: PastKeyValues, inputs: ModelInputs): ModelOutput {
  const n = pastKeyValues[0][0].shape[2];
  const filled = filledCache(inputs);
  if (filled) return forwardCached(base, filled, n, inputs);
  if (inputs.pastKeyValues instanceof KeyValueCache) {
    const cache = inputs.pastKeyValues;
    pastKeyValues.forEach(([key, value], i) => tidy(() => cache.layer(i).append(key, value)));
    return forwardCached(base, cache, n, inputs);
  }
  return tidy(() =>
    base.forward({
      inputIds: inputs.inputIds,
      inputsEmbeds: inputs.inputsEmbeds,
      attentionMask: inputs.attentionMask ? prefixedMask(inputs.attentionMask, n) : null,
      labels: inputs.labels ?? null,
      pastKeyValues,
    }),
  );
}
