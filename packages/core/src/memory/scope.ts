import { collectTensors, engine } from '../engine.js';
import type { Tensor } from '../tensor.js';

/**
 * Runs `fn` and disposes every tensor it made except those it returns (in arrays or objects too)
 * and those passed to keep(). Synchronous only: for async code use scope().
 */
export function tidy<T>(fn: () => T): T {
  return engine().scoped(fn);
}

/** Exempts a tensor from every enclosing tidy and scope (it lives until disposed). */
export function keep<T extends Tensor>(t: T): T {
  return engine().keep(t);
}

/** Disposes every tensor found in `value` (a tensor, arrays, Maps or plain objects of them). */
export function dispose(value: unknown): void {
  for (const t of collectTensors(value)) t.dispose();
}

/**
 * An explicit scope for async code: tensors made while it is the innermost scope are disposed by
 * `dispose()`, except those passed to `keep()`.
 *
 *     const s = scope();
 *     try { const y = f(x); await y.data(); } finally { s.dispose(); }
 */
export class Scope {
  private readonly frame = engine().pushScope();
  private closed = false;

  /** Lets `t` (and the tensors in a returned structure) outlive this scope. */
  keep<T>(value: T): T {
    for (const t of collectTensors(value)) engine().keep(t);
    return value;
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    engine().popScope(this.frame);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

export function scope(): Scope {
  return new Scope();
}
