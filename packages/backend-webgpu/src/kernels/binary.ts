import { COMPARE_OPS, type BinaryOp, type CompareOp } from '@peftjs/core';
import type { Args, Gpu } from './args.js';
import { computeType, load, store } from './convert.js';
import { mapElements } from './elementwise.js';
import { MATH } from './math.js';

type Expr = (a: string, b: string) => string;

/** maximum/minimum propagate NaN like Math.max/Math.min. */
const FLOAT: Record<Exclude<BinaryOp, CompareOp>, Expr> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: (a, b) => `powF(${a}, ${b})`,
  maximum: (a, b) => `select(select(${b}, ${a}, ${a} > ${b}), nan(), isNan(${a}) || isNan(${b}))`,
  minimum: (a, b) => `select(select(${b}, ${a}, ${a} < ${b}), nan(), isNan(${a}) || isNan(${b}))`,
};

/** i32 arithmetic wraps like an Int32Array store; x / 0 is 0; pow goes through f32. */
const INT: Record<Exclude<BinaryOp, CompareOp>, Expr> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `select(${a} / ${b}, 0, ${b} == 0)`,
  pow: (a, b) => `toI32(powF(f32(${a}), f32(${b})))`,
  maximum: (a, b) => `max(${a}, ${b})`,
  minimum: (a, b) => `min(${a}, ${b})`,
};

const COMPARE: Record<CompareOp, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

export function binary(gpu: Gpu, { op, a, b, out }: Args<'binary'>): void {
  if ((COMPARE_OPS as readonly string[]).includes(op)) {
    const type = computeType(a.dtype) === 'f32' || computeType(b.dtype) === 'f32' ? 'f32' : 'i32';
    const cmp = COMPARE[op as CompareOp];
    mapElements(
      gpu,
      'binary',
      op,
      out,
      [a, b],
      ([x, y]) => store(`select(0, 1, ${load(x, a.dtype, type)} ${cmp} ${load(y, b.dtype, type)})`, 'i32', out.dtype),
      MATH,
    );
    return;
  }
  const type = computeType(out.dtype);
  const f = (type === 'f32' ? FLOAT : INT)[op as Exclude<BinaryOp, CompareOp>];
  if (!f) throw new RangeError(`binary: unknown op ${String(op)}`);
  mapElements(
    gpu,
    'binary',
    op,
    out,
    [a, b],
    ([x, y]) => store(`(${f(`(${load(x, a.dtype, type)})`, `(${load(y, b.dtype, type)})`)})`, type, out.dtype),
    MATH,
  );
}
