import { inFloat32 } from '../amp/autocast.js';
import { engine } from '../engine.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div, mul, ne, sub, where } from './binary.js';
import { cast } from './cast.js';
import { mean, sum } from './reduce.js';
import { logSoftmax } from './softmax.js';
import { square, neg } from './unary.js';
import { assertFloat, assertTensor } from './tensor-like.js';
import { reshape } from './views.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  /** Targets equal to this add nothing and are left out of the mean (default -100). */
  ignoreIndex?: number;
  /** ε in (1−ε)·nll + ε·mean over classes of −log p (default 0). */
  labelSmoothing?: number;
  reduction?: Reduction;
}

export interface CrossEntropyAttrs {
  ignoreIndex: number;
  labelSmoothing: number;
}

function checkReduction(op: string, reduction: unknown): asserts reduction is Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
  }
}

/**
 * Cross-entropy of `logits` [..., C] against int32 class indices `target` [...] (classes on the last
 * axis). 'mean' divides by the number of targets that are not ignored, like PyTorch.
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  assertTensor(logits, 'crossEntropy', 'logits');
  return inFloat32([logits], (logits32) => crossEntropyOf(logits32, target, options));
}

function crossEntropyOf(logits: Tensor, target: Tensor, options: CrossEntropyOptions): Tensor {
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = 'mean' } = options;
  assertTensor(logits, 'crossEntropy', 'logits');
  assertTensor(target, 'crossEntropy', 'target');
  assertFloat(logits, 'crossEntropy', 'logits');
  checkReduction('crossEntropy', reduction);
  if (target.dtype !== 'int32') throw new TypeError(`crossEntropy: target must be int32 class indices, got ${target.dtype}`);
  if (logits.rank < 1 || !shapesEqual(target.shape, logits.shape.slice(0, -1))) {
    throw new RangeError(
      `crossEntropy: target shape ${formatShape(target.shape)} must equal logits shape without the class axis, ${formatShape(logits.shape.slice(0, -1))}`,
    );
  }
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
    throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  const classes = logits.shape[logits.rank - 1];
  if (target.ref.backend.capabilities.syncRead) {
    const t = target.dataSync();
    for (const v of t) {
      if (v !== ignoreIndex && (v < 0 || v >= classes)) {
        throw new RangeError(`crossEntropy: target ${v} is out of range for ${classes} classes`);
      }
    }
  }
  const e = engine();
  return e.scoped(() => {
    const n = target.size;
    const flatLogits = reshape(logits, [n, classes]);
    const flatTarget = reshape(target, [n]);
    const perRow = rowLosses(flatLogits, flatTarget, { ignoreIndex, labelSmoothing });
    if (reduction === 'none') return reshape(perRow, target.shape);
    const total = sum(perRow);
    if (reduction === 'sum') return total;
    const count = sum(cast(ne(flatTarget, ignoreIndex), logits.dtype));
    return div(total, count);
  });
}

function rowLosses(logits: Tensor, target: Tensor, attrs: CrossEntropyAttrs): Tensor {
  if (!logits.ref.backend.kernels.crossEntropy) return composedRowLosses(logits, target, attrs);
  const [loss] = engine().execute({
    op: 'crossEntropy',
    inputs: [logits, target],
    attrs,
    outputs: [{ shape: [target.size], dtype: logits.dtype }],
    run: (b, [li, ti], [o]) => b.kernels.crossEntropy!({ logits: li, target: ti, ...attrs, loss: o }),
  });
  return loss;
}

/** Cross-entropy rows from primitives (log-softmax, a gather of the target column, masks). */
function composedRowLosses(logits: Tensor, target: Tensor, { ignoreIndex, labelSmoothing }: CrossEntropyAttrs): Tensor {
  const classes = logits.shape[1];
  const valid = ne(target, ignoreIndex);
  const safeTarget = where(valid, target, 0);
  const logp = logSoftmax(logits, -1);
  const column = reshape(safeTarget, [target.size, 1]);
  const onehot = cast(column.eq(classIndices(classes, logits)), logits.dtype);
  const nll = neg(sum(mul(logp, onehot), -1));
  const smooth = neg(mean(logp, -1));
  const mixed = labelSmoothing > 0 ? mul(nll, 1 - labelSmoothing).add(mul(smooth, labelSmoothing)) : nll;
  return where(valid, mixed, 0);
}

function classIndices(n: number, like: Tensor): Tensor {
  return engine().makeTensor(
    [n],
    'int32',
    like.ref.backend,
    Int32Array.from({ length: n }, (_, i) => i),
  );
}

/** dlogits of the fused cross-entropy rows, given dloss per row. */
export function crossEntropyBackward(logits: Tensor, target: Tensor, dloss: Tensor, attrs: CrossEntropyAttrs): Tensor {
  const [dlogits] = engine().execute({
    op: 'crossEntropyBackward',
    inputs: [logits, target, dloss],
    outputs: [{ shape: logits.shape, dtype: logits.dtype }],
    run: (b, [li, ti, di], [o]) => b.kernels.crossEntropyBackward!({ logits: li, target: ti, dloss: di, ...attrs, dlogits: o }),
  });
  return dlogits;
}

/** Mean squared error (PyTorch's F.mse_loss). */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  assertTensor(input, 'mseLoss', 'input');
  assertTensor(target, 'mseLoss', 'target');
  return inFloat32([input, target], (input32, target32) => mseLossOf(input32, target32, options));
}

function mseLossOf(input: Tensor, target: Tensor, options: { reduction?: Reduction }): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction('mseLoss', reduction);
  assertTensor(input, 'mseLoss', 'input');
  assertTensor(target, 'mseLoss', 'target');
  if (!shapesEqual(input.shape, target.shape)) {
    throw new RangeError(`mseLoss: input ${formatShape(input.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
  return engine().scoped(() => {
    const err = square(sub(input, target));
    return reduction === 'none' ? err : reduction === 'sum' ? sum(err) : mean(err);
  });
}
