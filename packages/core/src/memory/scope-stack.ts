/**
 * Which scope a new tensor belongs to. `tidy` frames are synchronous, so one process-wide stack
 * holds them. `scope()` frames live across `await`s, so each async task has its own stack: in Node
 * an AsyncLocalStorage carries it (two tasks that interleave never see each other's scopes); where
 * there is none (browsers) the frames share one stack, and `Scope.run(fn)` binds a scope to the
 * synchronous code that should fill it.
 */
import type { Tensor } from '../tensor.js';

export interface ScopeFrame {
  readonly tracked: Set<Tensor>;
  closed: boolean;
}

interface AsyncContext {
  getStore(): readonly ScopeFrame[] | undefined;
  enterWith(frames: readonly ScopeFrame[]): void;
  run<T>(frames: readonly ScopeFrame[], fn: () => T): T;
}

type BuiltinLoader = { getBuiltinModule?: (id: string) => unknown };

/** Node's AsyncLocalStorage, found without importing node: modules (the main entry runs in browsers). */
function asyncLocalStorage(): AsyncContext | null {
  const proc = (globalThis as { process?: BuiltinLoader }).process;
  const hooks = proc?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: new () => AsyncContext } | undefined;
  return hooks?.AsyncLocalStorage ? new hooks.AsyncLocalStorage() : null;
}

const open = (f: ScopeFrame) => !f.closed;

export class ScopeStacks {
  private readonly context = asyncLocalStorage();
  /** The async frames when there is no AsyncLocalStorage. */
  private shared: readonly ScopeFrame[] = [];
  private readonly sync: ScopeFrame[] = [];

  /** Whether each async task has its own scopes (Node), or they share one stack. */
  get perTask(): boolean {
    return this.context !== null;
  }

  private asyncFrames(): readonly ScopeFrame[] {
    return this.context ? (this.context.getStore() ?? []) : this.shared;
  }

  private setAsyncFrames(frames: readonly ScopeFrame[]): void {
    if (this.context) this.context.enterWith(frames);
    else this.shared = frames;
  }

  /** Every open frame the current code sees, outermost first. */
  frames(): ScopeFrame[] {
    return [...this.asyncFrames().filter(open), ...this.sync];
  }

  /** Stops tracking `t` in the innermost frame that tracks it (a disposed tensor); no allocation. */
  untrack(t: Tensor): void {
    for (let i = this.sync.length - 1; i >= 0; i--) if (this.sync[i]!.tracked.delete(t)) return;
    const frames = this.asyncFrames();
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.tracked.delete(t)) return;
  }

  /** Where a tensor made now is tracked. */
  innermost(): ScopeFrame | undefined {
    if (this.sync.length > 0) return this.sync[this.sync.length - 1];
    const frames = this.asyncFrames();
    for (let i = frames.length - 1; i >= 0; i--) if (!frames[i]!.closed) return frames[i];
    return undefined;
  }

  /** Opens a scope; `enter`: it becomes the current async task's innermost scope from here on. */
  openAsync(enter = true): ScopeFrame {
    const frame: ScopeFrame = { tracked: new Set(), closed: false };
    if (enter) this.setAsyncFrames([...this.asyncFrames().filter(open), frame]);
    return frame;
  }

  /** Closes an async frame (other tasks that still list it skip it from now on). */
  closeAsync(frame: ScopeFrame): void {
    frame.closed = true;
    const frames = this.asyncFrames();
    if (frames.includes(frame)) this.setAsyncFrames(frames.filter((f) => f !== frame && open(f)));
  }

  /** Runs `fn` (and, in Node, every async continuation it starts) with `frame` as the innermost scope. */
  runIn<T>(frame: ScopeFrame, fn: () => T): T {
    if (this.sync.length > 0) throw new Error('Scope.run: cannot run inside tidy(); open the scope outside it');
    if (this.context) return this.context.run([...this.asyncFrames().filter(open), frame], fn);
    const before = this.shared;
    this.shared = [...before, frame];
    try {
      const result = fn();
      if (result instanceof Promise) {
        result.catch(() => undefined);
        throw new TypeError(
          'Scope.run: an async function needs per-task scopes (AsyncLocalStorage, in Node); here pass each synchronous part to run()',
        );
      }
      return result;
    } finally {
      this.shared = before;
    }
  }

  pushSync(): ScopeFrame {
    const frame: ScopeFrame = { tracked: new Set(), closed: false };
    this.sync.push(frame);
    return frame;
  }

  /** Removes a tidy frame; returns the frame its survivors move to. */
  popSync(frame: ScopeFrame): ScopeFrame | undefined {
    frame.closed = true;
    const at = this.sync.lastIndexOf(frame);
    if (at >= 0) this.sync.splice(at, 1);
    return this.innermost();
  }
}
