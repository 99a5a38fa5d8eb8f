import {
  add,
  checkpoint,
  crossEntropy,
  defaultChunkSize,
  div,
  formatShape,
  Linear,
  linearCrossEntropy,
  type Module,
  mseLoss,
  ne,
  slice,
  sum,
  type Tensor,
  tidy,
} from '@peftjs/core';

/**
 * Hugging Face's causal-LM loss: logits at position t predict labels at t + 1; labels equal to
 * -100 are ignored; mean over the counted tokens.
 */
export function causalLmLoss(model: string, logits: Tensor, labels: Tensor): Tensor {
  const [b, t, v] = logits.shape;
  checkLabels(model, labels, b, t);
  return tidy(() => {
    const shiftedLogits = slice(logits, 1, 0, t - 1).reshape([b * (t - 1), v]);
    const shiftedLabels = slice(labels, 1, 1).reshape([b * (t - 1)]);
    return crossEntropy(shiftedLogits, shiftedLabels, { ignoreIndex: -100 });
  });
}

function checkLabels(model: string, labels: Tensor, b: number, t: number): void {
  if (labels.dtype !== 'int32' || labels.rank !== 2 || labels.shape[0] !== b || labels.shape[1] !== t) {
    throw new RangeError(
      `${model}.forward: labels must be int32 [${b}, ${t}] like inputIds, got ${labels.dtype} ${formatShape(labels.shape)}`,
    );
  }
}

/**
 * causalLmLoss(head(hidden), labels) without the [batch, seq, vocab] logits: a plain Linear head
 * goes through core's linearCrossEntropy; any other head (an adapter wrapping lm_head) runs slice
 * by slice under checkpoint, so each slice's logits are freed after its forward and remade in its
 * backward.
 */
export function causalLmHeadLoss(model: string, head: Module<[Tensor], Tensor>, hidden: Tensor, labels: Tensor): Tensor {
  const project = (x: Tensor) => head.forward(x);
  const [b, t, h] = hidden.shape;
  checkLabels(model, labels, b, t);
  return tidy(() => {
    const rows = slice(hidden, 1, 0, t - 1).reshape([b * (t - 1), h]);
    const targets = slice(labels, 1, 1).reshape([b * (t - 1)]);
    if (head.constructor === Linear) {
      const linear = head as Linear;
      return linearCrossEntropy(rows, linear.weight, targets, { bias: linear.bias, ignoreIndex: -100 });
    }
    const n = rows.shape[0];
    const vocab = (head as unknown as { outFeatures?: number }).outFeatures ?? h;
    const chunk = defaultChunkSize(n, h, vocab);
    let total: Tensor | null = null;
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const part = checkpoint(
        (x: Tensor, y: Tensor) => crossEntropy(project(x), y, { ignoreIndex: -100, reduction: 'sum' }),
        slice(rows, 0, start, end),
        slice(targets, 0, start, end),
      );
      total = total ? add(total, part) : part;
    }
    return div(total!, sum(ne(targets, -100).cast(hidden.dtype)));
  });
}

/**
 * Hugging Face's sequence/image classification loss: regression (MSE) for one label or float
 * labels with problem_type regression, cross-entropy for int32 class indices, binary cross-entropy
 * with logits for multi-label float targets.
 */
export function classificationLoss(model: string, logits: Tensor, labels: Tensor, numLabels: number, problemType: string | null): Tensor {
  const type =
    problemType ??
    (numLabels === 1 ? 'regression' : labels.dtype === 'int32' ? 'single_label_classification' : 'multi_label_classification');
  const batch = logits.shape[0];
  return tidy(() => {
    if (type === 'regression') {
      const target = labels.dtype === 'float32' || labels.dtype === 'float64' ? labels : labels.cast('float32');
      if (target.size !== logits.size)
        throw new RangeError(`${model}.forward: regression labels must have ${logits.size} values, got ${formatShape(labels.shape)}`);
      return mseLoss(logits.reshape([logits.size]), target.reshape([logits.size]));
    }
    if (type === 'single_label_classification') {
      if (labels.dtype !== 'int32' || labels.size !== batch)
        throw new RangeError(
          `${model}.forward: labels must be int32 class indices [${batch}], got ${labels.dtype} ${formatShape(labels.shape)}`,
        );
      return crossEntropy(logits, labels.reshape([batch]));
    }
    if (labels.size !== logits.size)
      throw new RangeError(`${model}.forward: multi-label targets must be [${batch}, ${numLabels}], got ${formatShape(labels.shape)}`);
    // BCE with logits, stable form: max(x, 0) − x·y + log(1 + exp(−|x|))
    const y = labels.cast(logits.dtype).reshape(logits.shape);
    return logits.maximum(0).sub(logits.mul(y)).add(logits.abs().neg().exp().add(1).log()).mean();
  });
}
