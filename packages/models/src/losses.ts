import { crossEntropy, engine, formatShape, mseLoss, slice, type Tensor } from '@peftjs/core';

/**
 * Hugging Face's causal-LM loss: logits at position t predict labels at t + 1; labels equal to
 * -100 are ignored; mean over the counted tokens.
 */
export function causalLmLoss(model: string, logits: Tensor, labels: Tensor): Tensor {
  const [b, t, v] = logits.shape;
  if (labels.dtype !== 'int32' || labels.rank !== 2 || labels.shape[0] !== b || labels.shape[1] !== t) {
    throw new RangeError(`${model}.forward: labels must be int32 [${b}, ${t}] like inputIds, got ${labels.dtype} ${formatShape(labels.shape)}`);
  }
  return engine().scoped(() => {
    const shiftedLogits = slice(logits, 1, 0, t - 1).reshape([b * (t - 1), v]);
    const shiftedLabels = slice(labels, 1, 1).reshape([b * (t - 1)]);
    return crossEntropy(shiftedLogits, shiftedLabels, { ignoreIndex: -100 });
  });
}

/**
 * Hugging Face's sequence/image classification loss: regression (MSE) for one label or float
 * labels with problem_type regression, cross-entropy for int32 class indices, binary cross-entropy
 * with logits for multi-label float targets.
 */
export function classificationLoss(model: string, logits: Tensor, labels: Tensor, numLabels: number, problemType: string | null): Tensor {
  const type = problemType ?? (numLabels === 1 ? 'regression' : labels.dtype === 'int32' ? 'single_label_classification' : 'multi_label_classification');
  const batch = logits.shape[0];
  return engine().scoped(() => {
    if (type === 'regression') {
      const target = labels.dtype === 'float32' || labels.dtype === 'float64' ? labels : labels.cast('float32');
      if (target.size !== logits.size) throw new RangeError(`${model}.forward: regression labels must have ${logits.size} values, got ${formatShape(labels.shape)}`);
      return mseLoss(logits.reshape([logits.size]), target.reshape([logits.size]));
    }
    if (type === 'single_label_classification') {
      if (labels.dtype !== 'int32' || labels.size !== batch) throw new RangeError(`${model}.forward: labels must be int32 class indices [${batch}], got ${labels.dtype} ${formatShape(labels.shape)}`);
      return crossEntropy(logits, labels.reshape([batch]));
    }
    if (labels.size !== logits.size) throw new RangeError(`${model}.forward: multi-label targets must be [${batch}, ${numLabels}], got ${formatShape(labels.shape)}`);
    // BCE with logits, stable form: max(x, 0) − x·y + log(1 + exp(−|x|))
    const y = labels.cast(logits.dtype).reshape(logits.shape);
    return logits.maximum(0).sub(logits.mul(y)).add(logits.abs().neg().exp().add(1).log()).mean();
  });
}
