/** Test accuracy of a classifier: the argmax of its logits against the labels, in eval mode without gradients. */
import { noGrad, tidy, type Module } from '@peftjs/core';
import { dataCollatorWithPadding } from '@peftjs/data';
import type { ModelInputs, SequenceClassifierOutput } from '@peftjs/models';
import type { ClassificationExample } from './data.js';

export interface Accuracy {
  readonly accuracy: number;
  readonly correct: number;
  readonly total: number;
  /** The predicted class of every example, in order. */
  readonly predictions: Int32Array;
  /** The logits of every example, row after row. */
  readonly logits: Float32Array;
  readonly seconds: number;
}

/** Anything whose forward takes a batch and returns logits [batch, classes]: a model or a PEFT model. */
export interface Classifier extends Module {
  forward(inputs: ModelInputs): SequenceClassifierOutput;
}

export async function evaluateAccuracy(
  model: Classifier,
  examples: readonly ClassificationExample[],
  padTokenId: number,
  batchSize = 32,
): Promise<Accuracy> {
  if (examples.length === 0) throw new RangeError('evaluateAccuracy: no examples');
  const start = performance.now();
  const collate = dataCollatorWithPadding({ padTokenId });
  const wasTraining = model.training;
  model.eval();
  let logits = new Float32Array(0);
  try {
    for (let i = 0; i < examples.length; i += batchSize) {
      const batchLogits = tidy(() =>
        noGrad(() => {
          const { inputIds, attentionMask } = collate(examples.slice(i, i + batchSize) as ClassificationExample[]);
          return model.forward({ inputIds, attentionMask }).logits;
        }),
      );
      const classes = batchLogits.shape[1];
      if (i === 0) logits = new Float32Array(examples.length * classes);
      logits.set(await batchLogits.data(), i * classes);
      batchLogits.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  const classes = logits.length / examples.length;
  const predictions = Int32Array.from(examples, (_, i) => argmax(logits.subarray(i * classes, (i + 1) * classes)));
  const correct = examples.reduce((n, e, i) => n + (predictions[i] === e.label ? 1 : 0), 0);
  return {
    accuracy: correct / examples.length,
    correct,
    total: examples.length,
    predictions,
    logits,
    seconds: (performance.now() - start) / 1000,
  };
}

/** Index of the first largest value (as the argmax op). */
function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Largest absolute difference between two evaluations' logits. */
export function maxLogitDifference(a: Accuracy, b: Accuracy): number {
  if (a.logits.length !== b.logits.length) throw new RangeError(`maxLogitDifference: ${a.logits.length} logits against ${b.logits.length}`);
  let max = 0;
  for (let i = 0; i < a.logits.length; i++) max = Math.max(max, Math.abs(a.logits[i] - b.logits[i]));
  return max;
}
