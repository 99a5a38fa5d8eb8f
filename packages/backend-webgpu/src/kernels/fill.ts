import { Params, type Args, type Gpu } from './args.js';
import { computeType } from './convert.js';
import { mapElements } from './elementwise.js';

/** Every element of out set to `value` (passed as f32 or i32 bits; bool is value != 0). */
export function fill(gpu: Gpu, { out, value }: Args<'fill'>): void {
  const p = new Params();
  const float = computeType(out.dtype) === 'f32';
  const at = float ? p.f(value) : p.i(out.dtype === 'bool' ? Number(value !== 0) : value);
  const read = float ? `pf(VALUE)` : out.dtype === 'int32' ? `pi(VALUE)` : `pu(VALUE)`;
  mapElements(gpu, 'fill', '', out, [], () => read.replace('VALUE', `${at}u`), '', p);
}
