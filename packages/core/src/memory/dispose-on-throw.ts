import { engine } from '../engine.js';
import type { Tensor } from '../tensor.js';

/**
 * Runs synchronous `fn` (a model or layer constructor, typically) and returns its result; if it
 * throws, every tensor it made that is still alive is disposed before the error goes on, the
 * long-lived ones (parameters, buffers) that no tidy or scope would catch included. A constructor
 * that fails halfway thus leaves memory where it was.
 */
export function disposeOnThrow<T>(fn: () => T): T {
  const made = new Set<Tensor>();
  const records = engine().allocationRecords;
  records.add(made);
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('disposeOnThrow: the function returned a Promise; it must be synchronous');
    return result;
  } catch (err) {
    records.delete(made);
    for (const t of made) t.dispose();
    throw err;
  } finally {
    records.delete(made);
  }
}
