import type { Args, Gpu } from './args.js';
import { computeType, load, store } from './convert.js';
import { mapElements } from './elementwise.js';

/** floats to int32 truncate toward zero and wrap (ToInt32); to bool is x != 0 (NaN is true). */
export function cast(gpu: Gpu, { x, out }: Args<'cast'>): void {
  const type = computeType(x.dtype) === 'f32' ? 'f32' : computeType(out.dtype);
  mapElements(gpu, 'cast', '', out, [x], ([v]) => store(load(v, x.dtype, type), type, out.dtype));
}
