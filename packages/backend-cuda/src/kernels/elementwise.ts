// unary, binary and where (native/kernels/elementwise.cu, math_ops.cuh).
import { BINARY_CODES, UNARY_CODES } from '../launch.js';
import type { Kernel } from './args.js';

export const unary: Kernel<'unary'> = (gpu, { op, x, out }) => {
  const code = UNARY_CODES.get(op);
  if (code === undefined) throw new RangeError(`unary: unknown op ${String(op)}`);
  gpu.launch('unary', [x, out], [code]);
};

export const binary: Kernel<'binary'> = (gpu, { op, a, b, out }) => {
  const code = BINARY_CODES.get(op);
  if (code === undefined) throw new RangeError(`binary: unknown op ${String(op)}`);
  gpu.launch('binary', [a, b, out], [code]);
};

export const where: Kernel<'where'> = (gpu, { cond, a, b, out }) => gpu.launch('where', [cond, a, b, out]);
