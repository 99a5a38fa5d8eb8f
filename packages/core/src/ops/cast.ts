import { engine } from '../engine.js';
import { assertDType, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { assertTensor } from './tensor-like.js';

/** Converts to `dtype` (floats to int32 truncate toward zero, anything to bool is `!= 0`). */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertTensor(x, 'cast', 'x');
  assertDType(dtype, 'cast', 'dtype');
  const [out] = engine().execute({
    op: 'cast',
    inputs: [x],
    attrs: { dtype },
    outputs: [{ shape: x.shape, dtype }],
    run: (b, [xi], [o]) => b.kernels.cast({ x: xi, out: o }),
  });
  return out;
}
