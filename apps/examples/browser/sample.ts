import { Generator, slice, tensor, type Tensor, tidy } from '@peftjs/core';
import { generate, type ModelInputs } from '@peftjs/models';
import type { Vocabulary } from './corpus.js';

/**
 * Text sampled from the next-character model with @peftjs/models' generate: the model sees the last
 * `context` characters each step (no KV cache: it has no attention), sampling at temperature 0.8
 * from a seeded Philox stream.
 */
export async function sampleText(
  model: { forward(context: Tensor): Tensor },
  vocab: Vocabulary,
  context: number,
  prompt: string,
  length: number,
  seed: number,
): Promise<string> {
  const lm = {
    forward: ({ inputIds }: ModelInputs) =>
      tidy(() => {
        const logits = model.forward(slice(inputIds!, 1, inputIds!.shape[1] - context));
        return { logits: logits.unsqueeze(1) };
      }),
  };
  const inputIds = tensor([Array.from(vocab.encode(prompt))], { dtype: 'int32' });
  try {
    const out = await generate(
      lm,
      { inputIds },
      {
        maxNewTokens: length,
        doSample: true,
        temperature: 0.8,
        topK: 0,
        useCache: false,
        eosTokenId: null,
        generator: new Generator(seed),
      },
    );
    out.sequences.dispose();
    return out.sequenceIds[0].map((id) => vocab.chars[id]).join('');
  } finally {
    inputIds.dispose();
  }
}
