import { clone, dispose, formatShape, isFloat, noGrad, Tensor } from '@peftjs/core';

/** A model's named tensors (a state dict), e.g. from Module.stateDict() or a safetensors file. */
export type StateDict = ReadonlyMap<string, Tensor>;

/**
 * Every state must hold the reference's keys with the same shapes and dtypes. Errors name the
 * function, the key and both shapes.
 */
export function assertMatchingStates(
  fn: string,
  reference: StateDict,
  refName: string,
  states: readonly StateDict[],
  statesName: string,
): void {
  if (!(reference instanceof Map)) throw new TypeError(`${fn}: ${refName} must be a Map of tensors (a state dict)`);
  if (!Array.isArray(states) || states.length === 0) throw new RangeError(`${fn}: ${statesName} must be a non-empty array of state dicts`);
  for (const [key, t] of reference) {
    if (!(t instanceof Tensor)) throw new TypeError(`${fn}: ${refName} "${key}" is not a Tensor`);
    t.assertAlive(fn, `${refName} "${key}"`);
  }
  states.forEach((state, i) => {
    const name = `${statesName}[${i}]`;
    if (!(state instanceof Map)) throw new TypeError(`${fn}: ${name} must be a Map of tensors (a state dict)`);
    for (const key of state.keys()) {
      if (!reference.has(key)) throw new RangeError(`${fn}: ${name} has "${key}", which ${refName} lacks`);
    }
    for (const [key, ref] of reference) {
      const t = state.get(key);
      if (!t) throw new RangeError(`${fn}: ${name} lacks "${key}" (${refName} has it, ${ref.dtype} ${formatShape(ref.shape)})`);
      if (!(t instanceof Tensor)) throw new TypeError(`${fn}: ${name} "${key}" is not a Tensor`);
      t.assertAlive(fn, `${name} "${key}"`);
      if (formatShape(t.shape) !== formatShape(ref.shape) || t.dtype !== ref.dtype) {
        throw new RangeError(
          `${fn}: "${key}" is ${ref.dtype} ${formatShape(ref.shape)} in ${refName} but ${t.dtype} ${formatShape(t.shape)} in ${name}`,
        );
      }
    }
  });
}

/**
 * Builds a new state dict key by key: float tensors through `merge`, the others (integer buffers)
 * copied from `reference`. On error every tensor made so far is released.
 */
export async function mapStates(
  reference: StateDict,
  merge: (key: string, ref: Tensor) => Promise<Tensor> | Tensor,
): Promise<Map<string, Tensor>> {
  const out = new Map<string, Tensor>();
  try {
    for (const [key, ref] of reference) out.set(key, isFloat(ref.dtype) ? await merge(key, ref) : noGrad(() => clone(ref)));
    return out;
  } catch (e) {
    dispose([...out.values()]);
    throw e;
  }
}
