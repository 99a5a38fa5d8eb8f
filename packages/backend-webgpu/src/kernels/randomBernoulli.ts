import { Params, type Args, type Gpu } from './args.js';
import { computeType } from './convert.js';
import { mapElements } from './elementwise.js';
import { PHILOX, philoxParams } from './philox.js';

/**
 * Element j: 1 when u(word j) < p. u = (w >>> 8)·2^-24, so u < p exactly when (w >>> 8) <
 * ceil(p·2^24): the comparison runs on integers and matches the float64 reference for any p.
 */
export function randomBernoulli(gpu: Gpu, { out, p: prob, ...attrs }: Args<'randomBernoulli'>): void {
  const p = new Params();
  const { keyAt, counterAt } = philoxParams(p, attrs);
  const threshold = Math.min(2 ** 24, Math.max(0, Math.ceil(prob * 2 ** 24)));
  const at = p.u(threshold);
  const one = computeType(out.dtype) === 'f32' ? ['0.0', '1.0'] : out.dtype === 'int32' ? ['0', '1'] : ['0u', '1u'];
  mapElements(
    gpu,
    'randomBernoulli',
    '',
    out,
    [],
    () => `select(${one[0]}, ${one[1]}, (philoxWord(i, ${keyAt}u, ${counterAt}u) >> 8u) < pu(${at}u))`,
    PHILOX,
    p,
  );
}
