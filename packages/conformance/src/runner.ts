import { goldenSummary, makePlan } from './plan.js';
import { openSession, runCase, skipReason, unsupportedLines, type Session } from './session.js';
import { BackendUnavailableError, type CaseResult, type ConformanceOptions } from './types.js';

export interface ConformanceReport {
  passed: number;
  failed: number;
  skipped: number;
  results: CaseResult[];
  /** Report lines: unsupported kernels, skips, the golden summary. */
  notes: string[];
}

export interface RunOptions extends ConformanceOptions {
  /** Called after each case (progress output). */
  onResult?: (result: CaseResult) => void;
}

/** Runs every conformance case without vitest (bundle it, run it with plain Node). */
export async function runConformance(options: RunOptions): Promise<ConformanceReport> {
  const plan = await makePlan(options.goldenDir, options.goldenSource);
  const results: CaseResult[] = [];
  const notes: string[] = [];
  let session: Session | undefined;
  let unavailable: string | undefined;
  try {
    session = await openSession(options);
    notes.push(...unsupportedLines(session.context.backend));
  } catch (err) {
    if (!(err instanceof BackendUnavailableError)) throw err;
    unavailable = `backend unavailable: ${err.message}`;
    notes.push(`${options.name}: ${unavailable}`);
  }
  try {
    for (const suite of plan.suites) {
      for (const c of suite.cases) {
        if (options.filter && !options.filter.test(`${c.suite}/${c.name}`)) continue;
        const reason = skipReason(options.skip, c) ?? unavailable;
        const result: CaseResult =
          reason || !session ? { suite: c.suite, name: c.name, status: 'skipped', reason, ms: 0 } : await runCase(session, c);
        results.push(result);
        options.onResult?.(result);
      }
    }
  } finally {
    session?.close();
  }
  notes.push(goldenSummary(plan.golden));
  const count = (s: CaseResult['status']) => results.filter((r) => r.status === s).length;
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), results, notes };
}

/**
 * Runs and prints a report; the exit code is 1 when a case failed, and also when no case passed (a
 * filter that matched nothing, every case skipped, the backend unavailable): a run that checked
 * nothing must not look green. Suitable for a small CLI script.
 */
export async function runConformanceCli(options: RunOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const report = await runConformance({
    ...options,
    onResult: (r) => {
      if (r.status !== 'passed') log(`${r.status === 'failed' ? 'FAIL' : 'skip'} ${r.suite}/${r.name}${r.reason ? `: ${r.reason}` : ''}`);
      options.onResult?.(r);
    },
  });
  for (const note of report.notes) log(note);
  log(`conformance: ${options.name}: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  if (report.failed > 0) return 1;
  if (report.passed === 0) {
    const why =
      report.results.length === 0
        ? `no case matched${options.filter ? ` the filter ${options.filter}` : ''}`
        : `all ${report.skipped} cases were skipped`;
    log(`conformance: ${options.name}: nothing was checked (${why})`);
    return 1;
  }
  return 0;
}

// The vitest-free entry (`@peftjs/conformance/runner`) also carries what its options need.
export { DEFAULT_TOLERANCES, BackendUnavailableError, SkipCase } from './types.js';
export { GoldenFileMissingError, isGoldenFileMissing, type GoldenSource } from './golden/files.js';
export type { Tolerances, ConformanceOptions, CaseContext, ConformanceCase, CaseResult, CaseStatus } from './types.js';
export { loadReferenceBackend } from './reference.js';
