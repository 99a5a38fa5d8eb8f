import { Params, type Args, type Gpu } from './args.js';
import { computeType } from './convert.js';
import { mapElements } from './elementwise.js';

/**
 * out[j] = start + j·step. int32 with integer start and step is computed in wrapping i32 (exact);
 * otherwise in f32 and stored in out's dtype.
 */
export function arange(gpu: Gpu, { out, start, step }: Args<'arange'>): void {
  const p = new Params();
  const float = computeType(out.dtype) === 'f32';
  const exactInt = !float && Number.isInteger(start) && Number.isInteger(step);
  if (exactInt) {
    const s = p.i(start);
    const d = p.i(step);
    const v = `pi(${s}u) + i32(i) * pi(${d}u)`;
    mapElements(gpu, 'arange', 'int', out, [], () => (out.dtype === 'bool' ? `select(0u, 1u, ${v} != 0)` : v), '', p);
    return;
  }
  const s = p.f(start);
  const d = p.f(step);
  const v = `fma(f32(i), pf(${d}u), pf(${s}u))`;
  const stored = float ? v : out.dtype === 'int32' ? `toI32(${v})` : `toBoolF(${v})`;
  mapElements(gpu, 'arange', 'float', out, [], () => stored, '', p);
}
