import { Params, type Args, type Gpu } from './args.js';
import { mapElements } from './elementwise.js';
import { PHILOX, philoxParams } from './philox.js';

/** Element j: low + (high − low) · u(word j), one rounding in f32 where fma fuses. */
export function randomUniform(gpu: Gpu, { out, low, high, ...attrs }: Args<'randomUniform'>): void {
  const p = new Params();
  const { keyAt, counterAt } = philoxParams(p, attrs);
  const lowAt = p.f(low);
  const rangeAt = p.f(high - low);
  mapElements(
    gpu,
    'randomUniform',
    '',
    out,
    [],
    () => `fma(pf(${rangeAt}u), uniformFromWord(philoxWord(i, ${keyAt}u, ${counterAt}u)), pf(${lowAt}u))`,
    PHILOX,
    p,
  );
}
