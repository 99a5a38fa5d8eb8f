/**
 * Per-sample adapters in one batch (PEFT's `adapter_names` argument): while a forward runs
 * inside `withAdapterNames`, tuner layers apply adapter `names[i]` to row i of the batch.
 * '__base__' leaves a row to the base model.
 */
export const BASE_ADAPTER = '__base__';

let current: readonly string[] | null = null;

export function withAdapterNames<T>(names: readonly string[], fn: () => T): T {
  const previous = current;
  current = names;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** The per-sample adapter names of the forward now running, or null. */
export function currentAdapterNames(): readonly string[] | null {
  return current;
}
