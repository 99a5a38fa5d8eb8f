import { type Embedding, formatShape, type Module, noGrad, type Tensor, tidy } from '@peftjs/core';
import { virtualTokenIds } from './virtual-tokens.js';

/** What the prompt-learning encoders share: a virtual-token table and a forward over token ids. */
export interface PromptLearningEncoder extends Module {
  readonly embedding: Embedding;
  forward(indices: Tensor): Tensor;
}

/**
 * The encoder's output for virtual tokens 0..count−1, [count, width] (PEFT's get_prompt for one
 * batch row): what the model gets in front of the tokens, and what adapter files store.
 */
export function encodeVirtualTokens(encoder: PromptLearningEncoder, count: number): Tensor {
  return tidy(() => encoder.forward(virtualTokenIds(count, encoder.embedding.weight)));
}

/** PEFT's get_prompt_embedding_to_save: the encoder's output, detached, as `prompt_embeddings`. */
export function promptEmbeddingsToSave(encoder: PromptLearningEncoder, count: number): Map<string, Tensor> {
  return new Map([['prompt_embeddings', noGrad(() => encodeVirtualTokens(encoder, count))]]);
}

/**
 * Loads `prompt_embeddings` into the encoder's table (PEFT's set_peft_model_state_dict). The table
 * must be the encoder's whole output: an encoder built in inference mode, or prompt tuning's.
 * Checked before anything is written.
 */
export function loadPromptEmbeddings(
  type: string,
  encoder: PromptLearningEncoder,
  state: ReadonlyMap<string, Tensor>,
  outputIsTable: boolean,
): void {
  const extra = [...state.keys()].filter((k) => k !== 'prompt_embeddings');
  if (extra.length > 0)
    throw new Error(`${type}: unexpected tensors in the adapter file: ${extra.join(', ')} (expected only prompt_embeddings)`);
  const saved = state.get('prompt_embeddings');
  if (!saved) throw new Error(`${type}: the adapter file has no prompt_embeddings`);
  if (!outputIsTable) {
    throw new Error(
      `${type}: prompt_embeddings holds the encoder's output, which only an encoder in inference mode uses as it is; load the adapter for inference`,
    );
  }
  const weight = encoder.embedding.weight;
  if (saved.shape.join() !== weight.shape.join()) {
    throw new RangeError(
      `${type}: prompt_embeddings has shape ${formatShape(saved.shape)}, the encoder's table is ${formatShape(weight.shape)}`,
    );
  }
  noGrad(() => tidy(() => weight.assign(saved.cast(weight.dtype))));
}
