import { engine } from '../engine.js';
import { assertDType, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { assertTensor } from './tensor-like.js';

/**
 * Converts to `dtype` (floats to int32 truncate toward zero, anything to bool is `!= 0`).
 *
 * Like PyTorch's `.to(dtype)`, a tensor that already has `dtype` is returned as is: no copy and no
 * graph node. The result may be the input, so dispose it only if it is not the input
 * (`if (y !== x) y.dispose()`), or let `tidy` do it; never write into it in place expecting a copy.
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertTensor(x, 'cast', 'x');
  assertDType(dtype, 'cast', 'dtype');
  if (x.dtype === dtype) return x;
  const [out] = engine().execute({
    op: 'cast',
    inputs: [x],
    attrs: { dtype },
    outputs: [{ shape: x.shape, dtype }],
    run: (b, [xi], [o]) => b.kernels.cast({ x: xi, out: o }),
  });
  return out;
}
