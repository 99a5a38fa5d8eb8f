import type { Args, Gpu } from './args.js';
import { computeType } from './convert.js';
import { mapElements } from './elementwise.js';

/** out = cond ? a : b, elementwise (all three broadcast to out's shape by strides). */
export function where(gpu: Gpu, { cond, a, b, out }: Args<'where'>): void {
  mapElements(
    gpu,
    'where',
    '',
    out,
    [cond, a, b],
    ([c, x, y]) => `select(${y}, ${x}, ${c} != ${computeType(cond.dtype) === 'f32' ? '0.0' : cond.dtype === 'int32' ? '0' : '0u'})`,
  );
}
