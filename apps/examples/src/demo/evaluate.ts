/** Test accuracy of a classifier: the argmax of its logits against the labels, in eval mode without gradients. */
import { noGrad, tidy, type Module, type Tensor } from '@peftjs/core';
import { dataCollatorWithPadding } from '@peftjs/data';
import type { ClassificationExample } from './data.js';

export interface Accuracy {
  readonly accuracy: number;
  readonly correct: number;
  readonly total: number;
  /** The predicted class of every example, in order. */
  readonly predictions: Int32Array;
  readonly seconds: number;
}

/** Anything whose forward takes a batch and returns logits [batch, classes]: a model or a PEFT model. */
export interface Classifier extends Module {
  forward(inputs: object): unknown;
}

export async function evaluateAccuracy(model: Classifier, examples: readonly ClassificationExample[], padTokenId: number, batchSize = 32): Promise<Accuracy> {
  if (examples.length === 0) throw new RangeError('evaluateAccuracy: no examples');
  const start = performance.now();
  const collate = dataCollatorWithPadding({ padTokenId });
  const wasTraining = model.training;
  model.eval();
  const predictions = new Int32Array(examples.length);
  try {
    for (let i = 0; i < examples.length; i += batchSize) {
      const predicted = tidy(() =>
        noGrad(() => {
          const { inputIds, attentionMask } = collate(examples.slice(i, i + batchSize) as ClassificationExample[]);
          const { logits } = model.forward({ inputIds, attentionMask }) as { logits: Tensor };
          return logits.argmax(-1);
        }),
      );
      predictions.set(await predicted.data(), i);
      predicted.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  const correct = examples.reduce((n, e, i) => n + (predictions[i] === e.label ? 1 : 0), 0);
  return { accuracy: correct / examples.length, correct, total: examples.length, predictions, seconds: (performance.now() - start) / 1000 };
}
