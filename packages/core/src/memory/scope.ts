import { collectTensors, engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import type { ScopeFrame } from './scope-stack.js';

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
 *
 * A scope belongs to the async task that opened it: in Node, two tasks that interleave across
 * `await`s each fill their own scopes. `s.run(fn)` (or `withScope(fn)`) makes the binding explicit
 * and also works where there is no AsyncLocalStorage (browsers), one synchronous part at a time.
 */
export class Scope {
  private readonly frame: ScopeFrame;
  private closed = false;

  /** `bound: false` opens a scope that fills only inside `run(fn)` (what withScope uses). */
  constructor(options: { bound?: boolean } = {}) {
    this.frame = engine().pushScope(options.bound ?? true);
  }

  /** Lets `t` (and the tensors in a returned structure) outlive this scope. */
  keep<T>(value: T): T {
    for (const t of collectTensors(value)) engine().keep(t);
    return value;
  }

  /** Runs `fn` with this scope as the innermost one (in Node also the async work fn starts). */
  run<T>(fn: () => T): T {
    if (this.closed) throw new Error('Scope.run: the scope was disposed');
    return engine().scopes.runIn(this.frame, fn);
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

/**
 * Runs `fn` in a new scope bound to it and disposes what it made once it settles, except what it
 * returns (tensors in the result are kept, and the caller owns them).
 */
export async function withScope<T>(fn: (s: Scope) => T | Promise<T>): Promise<T> {
  // not bound to the caller's task: only fn and what it starts fill it
  const s = new Scope({ bound: false });
  try {
    return s.keep(await s.run(() => fn(s)));
  } finally {
    s.dispose();
  }
}
