import { engine } from '../engine.js';

/** Runs `fn` without recording the graph (PyTorch's `torch.no_grad()`). Works for sync and async fn. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with graph recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return engine().gradEnabled;
}

/** Turns graph recording on or off from here on (PyTorch's `torch.set_grad_enabled`). */
export function setGradEnabled(on: boolean): void {
  engine().gradEnabled = on;
}

function withGradMode<T>(on: boolean, fn: () => T): T {
  const e = engine();
  const previous = e.gradEnabled;
  e.gradEnabled = on;
  let result: T;
  try {
    result = fn();
  } catch (err) {
    e.gradEnabled = previous;
    throw err;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      e.gradEnabled = previous;
    }) as T;
  }
  e.gradEnabled = previous;
  return result;
}
