import { engine } from '../engine.js';
import { promoteTypes, type DType } from '../dtype.js';
import type { BinaryOp, CompareOp } from '../kernels.js';
import { broadcastShapes, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastInfo } from './broadcast.js';
import { cast } from './cast.js';
import { toTensor, type TensorLike } from './tensor-like.js';

const COMPARE = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** The dtype both operands are brought to: PyTorch promotion, numbers adopt the tensor's dtype. */
function operandDType(a: TensorLike, b: TensorLike, op: string): DType {
  if (a instanceof Tensor && b instanceof Tensor) return promoteTypes(a.dtype, b.dtype);
  const t = a instanceof Tensor ? a : b instanceof Tensor ? b : null;
  if (!t) {
    if (op === 'where' && typeof a === 'number' && typeof b === 'number') return 'float32';
    throw new TypeError(`${op}: at least one operand must be a Tensor`);
  }
  const n = (a instanceof Tensor ? b : a) as number;
  if (typeof n !== 'number') throw new TypeError(`${op}: operands must be Tensors or numbers, got ${typeof n}`);
  if ((t.dtype === 'int32' || t.dtype === 'bool') && !Number.isInteger(n)) return 'float32';
  return t.dtype === 'bool' && n !== 0 && n !== 1 ? 'int32' : t.dtype;
}

export function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const common = operandDType(a, b, op);
  // true division, as PyTorch: integers divide as floats
  const dtype = op === 'div' && (common === 'int32' || common === 'bool') ? 'float32' : common;
  const like = a instanceof Tensor ? a : (b as Tensor);
  const ta = toTensor(a, op, 'a', dtype, like);
  const tb = toTensor(b, op, 'b', dtype, like);
  const ca = cast(ta, dtype);
  const cb = cast(tb, dtype);
  try {
    if (dtype === 'bool' && !COMPARE.has(op) && op !== 'maximum' && op !== 'minimum') {
      throw new TypeError(`${op}: not defined for bool tensors; cast them first`);
    }
    if (op === 'pow' && dtype === 'int32') rejectNegativeExponent(cb);
    const shape = broadcastShapes(ca.shape, cb.shape, op);
    const [out] = engine().execute({
      op,
      inputs: [ca, cb],
      outputs: [{ shape, dtype: COMPARE.has(op) ? 'bool' : dtype }],
      run: (backend, [ai, bi], [o]) =>
        backend.kernels.binary({ op, a: broadcastInfo(ai, shape, op), b: broadcastInfo(bi, shape, op), out: o }),
    });
    return out;
  } finally {
    for (const t of [ta, tb, ca, cb]) if (t !== a && t !== b) t.dispose();
  }
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);

const compare =
  (op: CompareOp) =>
  (a: TensorLike, b: TensorLike): Tensor =>
    binary(op, a, b);
export const eq = compare('eq');
export const ne = compare('ne');
export const lt = compare('lt');
export const le = compare('le');
export const gt = compare('gt');
export const ge = compare('ge');

/** Elementwise `cond ? a : b` with broadcasting; cond must be bool. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(cond instanceof Tensor)) throw new TypeError('where: cond must be a bool Tensor');
  cond.assertAlive('where', 'cond');
  if (cond.dtype !== 'bool') throw new TypeError(`where: cond must be bool, got ${cond.dtype} ${formatShape(cond.shape)}`);
  const dtype = operandDType(a, b, 'where');
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  const ta = toTensor(a, 'where', 'a', dtype, like);
  const tb = toTensor(b, 'where', 'b', dtype, like);
  const ca = cast(ta, dtype);
  const cb = cast(tb, dtype);
  try {
    const shape = broadcastShapes(broadcastShapes(cond.shape, ca.shape, 'where'), cb.shape, 'where');
    const [out] = engine().execute({
      op: 'where',
      inputs: [cond, ca, cb],
      outputs: [{ shape, dtype }],
      run: (backend, [ci, ai, bi], [o]) =>
        backend.kernels.where({
          cond: broadcastInfo(ci, shape, 'where'),
          a: broadcastInfo(ai, shape, 'where'),
          b: broadcastInfo(bi, shape, 'where'),
          out: o,
        }),
    });
    return out;
  } finally {
    for (const t of [ta, tb, ca, cb]) if (t !== a && t !== b) t.dispose();
  }
}

/** Elementwise AND of two bool tensors. */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return where(a, b, 0);
}

/** PyTorch refuses integers to negative integer powers; so does core where it can read the exponent. */
function rejectNegativeExponent(exponent: Tensor): void {
  if (!exponent.ref.backend.capabilities.syncRead) return;
  const values = exponent.dataSync();
  const negative = values.find((v) => v < 0);
  if (negative !== undefined)
    throw new RangeError(`pow: int32 tensors cannot be raised to a negative power (${negative}); cast to float first`);
}
