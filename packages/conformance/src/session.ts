import {
  activeBackend,
  type Backend,
  getLeakCheck,
  memory,
  registerBackend,
  removeBackend,
  scope,
  setBackend,
  setGradEnabled,
  setLeakCheck,
} from '@peftjs/core';
import { loadReferenceBackend } from './reference.js';
import { DEFAULT_TOLERANCES, SkipCase, type CaseContext, type CaseResult, type ConformanceCase, type ConformanceOptions } from './types.js';

/** The backend under test and the reference, registered in the engine for the length of a run. */
export interface Session {
  readonly context: CaseContext;
  close(): void;
}

let sessions = 0;

export async function openSession(options: ConformanceOptions): Promise<Session> {
  const id = ++sessions;
  const backendName = `conformance-${id}:${options.name}`;
  const referenceName = `conformance-${id}:reference`;
  const backend = await options.createBackend();
  let reference: Backend;
  try {
    reference = await (options.createReference ?? loadReferenceBackend)();
    if (!reference.capabilities.dtypes.includes('float64')) {
      throw new Error(`conformance: the reference backend ${reference.name} must support float64`);
    }
    if (backend === reference) throw new Error('conformance: createReference must return its own instance, not the backend under test');
  } catch (err) {
    backend.dispose?.();
    throw err;
  }
  registerBackend(backendName, () => backend, 0);
  registerBackend(referenceName, () => reference, 0);
  await setBackend(backendName);
  const onBackend = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const previous = activeBackend();
    await setBackend(name);
    try {
      return await fn();
    } finally {
      await setBackend(previous === reference ? referenceName : backendName);
    }
  };
  const context: CaseContext = {
    backend,
    backendName,
    reference,
    referenceName,
    tolerances: { ...DEFAULT_TOLERANCES, ...options.tolerances },
    supportsFloat64: backend.capabilities.dtypes.includes('float64'),
    onBackend: (fn) => onBackend(backendName, fn),
    onReference: (fn) => onBackend(referenceName, fn),
    skip: (reason) => {
      throw new SkipCase(reason);
    },
  };
  return {
    context,
    close: () => {
      removeBackend(backendName);
      removeBackend(referenceName);
    },
  };
}

/** A count of what the engine and both backends hold, to find what a case left behind. */
function snapshot(ctx: CaseContext): number[] {
  const m = memory();
  return [m.numTensors, m.numDataBuffers, ctx.backend.numLiveBuffers(), ctx.reference.numLiveBuffers()];
}

/**
 * Runs one case with the per-kernel leak check on and the backend under test active; it fails when
 * it leaves tensors or buffers behind (what it leaked is then disposed, so the next case starts clean).
 */
export async function runCase(session: Session, c: ConformanceCase): Promise<CaseResult> {
  const ctx = session.context;
  const start = Date.now();
  const wasChecking = getLeakCheck();
  const before = snapshot(ctx);
  const cleanup = scope();
  let result: CaseResult;
  try {
    setLeakCheck(true);
    await ctx.onBackend(() => c.run(ctx));
    const after = snapshot(ctx);
    const leaked = after.map((v, i) => v - before[i]);
    if (leaked.some((d) => d !== 0)) {
      throw new Error(
        `${c.suite}/${c.name}: left ${leaked[0]} tensor(s) and ${leaked[1]} data buffer(s) alive ` +
          `(${leaked[2]} buffer(s) on ${ctx.backend.name}, ${leaked[3]} on the reference)`,
      );
    }
    result = { suite: c.suite, name: c.name, status: 'passed', ms: 0 };
  } catch (err) {
    result =
      err instanceof SkipCase
        ? { suite: c.suite, name: c.name, status: 'skipped', reason: err.reason, ms: 0 }
        : { suite: c.suite, name: c.name, status: 'failed', reason: err instanceof Error ? err.message : String(err), error: err, ms: 0 };
  } finally {
    setLeakCheck(wasChecking);
    cleanup.dispose();
    setGradEnabled(true);
  }
  result.ms = Date.now() - start;
  return result;
}

/** Skip reason for a case from the `skip` option: its name, `suite/name`, or its suite. */
export function skipReason(skip: Record<string, string> | undefined, c: { suite: string; name: string }): string | undefined {
  if (!skip) return undefined;
  return skip[`${c.suite}/${c.name}`] ?? skip[c.name] ?? skip[c.suite];
}

/** Kernels the backend does not provide, with its reasons, as report lines. */
export function unsupportedLines(backend: Backend): string[] {
  return Object.entries(backend.unsupported ?? {}).map(([kernel, reason]) => `${backend.name}: kernel ${kernel} not provided: ${reason}`);
}
