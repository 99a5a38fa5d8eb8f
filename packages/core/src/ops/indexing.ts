import { engine } from '../engine.js';
import { formatShape, normalizeAxis, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor } from './tensor-like.js';

/** Where the backend reads synchronously, out-of-range indices are reported before any kernel runs. */
function checkIndices(index: Tensor, limit: number, op: string): void {
  if (index.dtype !== 'int32') throw new TypeError(`${op}: index must be int32, got ${index.dtype} ${formatShape(index.shape)}`);
  const b = index.ref.backend;
  if (!b.capabilities.syncRead) return;
  const values = index.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v >= limit) throw new RangeError(`${op}: index ${v} is out of range for a dimension of size ${limit}`);
  }
}

/**
 * Rows of `x` along `dim` picked by `index` (any shape): the result's shape is
 * x.shape[:dim] + index.shape + x.shape[dim+1:]. PyTorch's `index_select` for 1-D indices.
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  assertTensor(x, 'indexSelect', 'x');
  assertTensor(index, 'indexSelect', 'index');
  const axis = normalizeAxis(dim, x.rank, 'indexSelect');
  checkIndices(index, x.shape[axis], 'indexSelect');
  const shape = [...x.shape.slice(0, axis), ...index.shape, ...x.shape.slice(axis + 1)];
  const [out] = engine().execute({
    op: 'indexSelect',
    inputs: [x, index],
    attrs: { axis },
    outputs: [{ shape, dtype: x.dtype }],
    run: (b, [xi, ii], [o]) => b.kernels.gather({ x: xi, indices: ii, axis, out: o }),
  });
  return out;
}

/** Looks up rows of `weight` [numEmbeddings, dim] for integer `input` (PyTorch's F.embedding). */
export function embedding(input: Tensor, weight: Tensor): Tensor {
  assertTensor(weight, 'embedding', 'weight');
  if (weight.rank !== 2) throw new RangeError(`embedding: weight must be 2-D [numEmbeddings, dim], got ${formatShape(weight.shape)}`);
  return indexSelect(weight, 0, input);
}

/**
 * A copy of `x` with `source` added at the positions `index` names along `dim` (repeated indices
 * accumulate). source's shape is x.shape[:dim] + index.shape + x.shape[dim+1:].
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  assertTensor(x, 'indexAdd', 'x');
  assertTensor(index, 'indexAdd', 'index');
  assertTensor(source, 'indexAdd', 'source');
  const axis = normalizeAxis(dim, x.rank, 'indexAdd');
  checkIndices(index, x.shape[axis], 'indexAdd');
  const expected = [...x.shape.slice(0, axis), ...index.shape, ...x.shape.slice(axis + 1)];
  if (!shapesEqual(expected, source.shape)) {
    throw new RangeError(
      `indexAdd: source must have shape ${formatShape(expected)} for x ${formatShape(x.shape)} and index ${formatShape(index.shape)}, got ${formatShape(source.shape)}`,
    );
  }
  if (source.dtype !== x.dtype) throw new TypeError(`indexAdd: source dtype ${source.dtype} differs from x dtype ${x.dtype}`);
  const [out] = engine().execute({
    op: 'indexAdd',
    inputs: [x, index, source],
    attrs: { axis },
    outputs: [{ shape: x.shape, dtype: x.dtype }],
    run: (b, [xi, ii, si], [o]) => {
      b.kernels.copy({ src: xi, dst: o });
      b.kernels.scatterAdd({ src: si, indices: ii, axis, out: o });
    },
  });
  return out;
}
