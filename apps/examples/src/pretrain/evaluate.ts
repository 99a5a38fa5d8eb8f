/** Mean next-byte cross-entropy over held-out windows, and the per-byte perplexity exp(loss). */
import { noGrad, tensor, tidy } from '@peftjs/core';
import type { GPT2LMHeadModel } from '@peftjs/models';

export interface Evaluation {
  /** Mean cross-entropy in nats per predicted byte. */
  readonly loss: number;
  readonly perplexity: number;
  /** Predicted bytes the mean is over. */
  readonly tokens: number;
}

export async function evaluateLoss(model: GPT2LMHeadModel, blocks: readonly Int32Array[], batchSize: number): Promise<Evaluation> {
  if (blocks.length === 0) throw new RangeError('evaluateLoss: no blocks to evaluate');
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  let tokens = 0;
  try {
    for (let i = 0; i < blocks.length; i += batchSize) {
      const batch = blocks.slice(i, i + batchSize);
      const blockSize = batch[0].length;
      const flat = new Int32Array(batch.length * blockSize);
      batch.forEach((b, j) => flat.set(b, j * blockSize));
      const loss = tidy(() =>
        noGrad(() => {
          const ids = tensor(flat, { shape: [batch.length, blockSize], dtype: 'int32' });
          return model.forward({ inputIds: ids, labels: ids }).loss!;
        }),
      );
      // the loss is a mean over batch × (blockSize − 1) shifted predictions
      const predicted = batch.length * (blockSize - 1);
      total += (await loss.item()) * predicted;
      tokens += predicted;
      loss.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  const loss = total / tokens;
  return { loss, perplexity: Math.exp(loss), tokens };
}

/** Token-weighted mean of several evaluations (one per corpus). */
export function combine(evaluations: readonly Evaluation[]): Evaluation {
  const tokens = evaluations.reduce((n, e) => n + e.tokens, 0);
  const loss = evaluations.reduce((s, e) => s + e.loss * e.tokens, 0) / tokens;
  return { loss, perplexity: Math.exp(loss), tokens };
}
