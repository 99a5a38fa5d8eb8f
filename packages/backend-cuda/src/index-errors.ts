/**
 * The kernels' status words ([kind, value, bound, 0], see native/kernels/common.cuh) as the error
 * core would have raised before the kernel on a backend with synchronous reads.
 */
export function statusError(status: Int32Array): Error | null {
  const [kind, value, bound] = status;
  switch (kind) {
    case 0:
      return null;
    case 1:
      return new RangeError(`indexSelect: index ${value} is out of range for a dimension of size ${bound}`);
    case 2:
      return new RangeError(`indexAdd: index ${value} is out of range for a dimension of size ${bound}`);
    case 3:
      return new RangeError(`crossEntropy: target ${value} is out of range for ${bound} classes`);
    default:
      return new Error(`cuda: a kernel reported status ${kind} (${value}, ${bound})`);
  }
}
