import { isHalf, type DType, type HalfDType } from '../dtype.js';
import { engine } from '../engine.js';
import { cast } from '../ops/cast.js';
import type { Tensor } from '../tensor.js';

export interface AutocastOptions {
  /** false: a region where autocast is off (inside an enclosing autocast too). Default true. */
  enabled?: boolean;
  /**
   * What to do on a backend that cannot compute in `dtype` (the CPU): false (default) runs `fn`
   * without autocast after a one-time warning, so one script serves every backend; true throws.
   */
  strict?: boolean;
}

/** The regions entered and not yet left, innermost last; null marks a disabled region. */
const regions: { dtype: HalfDType | null }[] = [];
const warned = new Set<string>();

/**
 * PyTorch's `torch.autocast` as a function: inside `fn`, matmuls and Linear layers run in `dtype`
 * (their float32 inputs cast to it), norms, softmax, log-softmax and the losses run in float32
 * (half inputs cast up), and every other op runs in the dtype its inputs have (mixed inputs
 * promote, half with float32 giving float32). Parameters stay float32: the casts are ops in the
 * graph, so each gradient arrives back in float32 ("master weights"). float64 inputs are left
 * alone. Call `backward()` after `fn` returns, as in PyTorch.
 *
 * `fn` may be async; the region then lasts until its promise settles (and covers whatever else runs
 * in between, so do not interleave other work with it).
 */
export function autocast<T>(dtype: HalfDType, fn: () => T, options: AutocastOptions = {}): T {
  if (!isHalf(dtype)) throw new TypeError(`autocast: dtype must be 'float16' or 'bfloat16', got ${String(dtype)}`);
  if (typeof fn !== 'function') throw new TypeError(`autocast: fn must be a function, got ${typeof fn}`);
  const enabled = options.enabled ?? true;
  let active: HalfDType | null = enabled ? dtype : null;
  if (enabled) {
    const backend = engine().backend;
    if (!backend.capabilities.dtypes.includes(dtype)) {
      const message = `autocast: the ${backend.name} backend does not compute in ${dtype} (it computes in ${backend.capabilities.dtypes.join(', ')})`;
      if (options.strict) throw new TypeError(message);
      if (!warned.has(`${backend.name}:${dtype}`)) {
        warned.add(`${backend.name}:${dtype}`);
        console.warn(`${message}; running in full precision`);
      }
      active = null;
    }
  }
  const region = { dtype: active };
  regions.push(region);
  let left = false;
  const leave = () => {
    if (left) return;
    left = true;
    const at = regions.lastIndexOf(region);
    if (at >= 0) regions.splice(at, 1);
  };
  try {
    const result = fn();
    if (result instanceof Promise) return result.finally(leave) as T;
    leave();
    return result;
  } catch (err) {
    leave();
    throw err;
  }
}

/** The dtype the innermost autocast region computes matmuls in, or null outside one (or in a disabled one). */
export function autocastDType(): HalfDType | null {
  return regions.length > 0 ? regions[regions.length - 1].dtype : null;
}

function castTo(x: Tensor, dtype: DType): Tensor {
  return cast(x, dtype);
}

/**
 * @internal For ops autocast runs in half (matmul, Linear): `x` in the region's dtype when it is
 * float32 or the other half dtype, else `x` itself. The caller disposes a result that is not `x`.
 */
export function autocastToHalf(x: Tensor): Tensor {
  const dtype = autocastDType();
  if (!dtype || x.dtype === dtype || !(x.dtype === 'float32' || isHalf(x.dtype))) return x;
  return castTo(x, dtype);
}

/** @internal For ops autocast runs in float32 (norms, softmax, losses): half `x` cast up, else `x` itself. */
export function autocastToFloat32(x: Tensor): Tensor {
  if (!autocastDType() || !isHalf(x.dtype)) return x;
  return castTo(x, 'float32');
}

/**
 * @internal Runs an op autocast keeps in float32 on `inputs` with each half input cast up (inside a
 * region; outside one `fn` gets the inputs as they are), disposing the casts afterwards.
 */
export function inFloat32<const I extends readonly (Tensor | null)[]>(inputs: I, fn: (...xs: I) => Tensor): Tensor {
  const cast32 = inputs.map((x) => (x ? autocastToFloat32(x) : x)) as unknown as I;
  try {
    return fn(...cast32);
  } finally {
    cast32.forEach((x, i) => {
      if (x && x !== inputs[i]) x.dispose();
    });
  }
}
