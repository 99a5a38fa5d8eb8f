import { afterAll, beforeAll, describe, it } from 'vitest';
import { goldenSummary, makePlan } from './plan.js';
import { openSession, runCase, skipReason, unsupportedLines, type Session } from './session.js';
import { BackendUnavailableError, type ConformanceOptions } from './types.js';

/**
 * Registers the conformance suites for a backend with vitest: one `describe` per suite, one `it`
 * per case. Skips from `options.skip` and cases a backend cannot run are reported as skipped with
 * their reason; a backend that is unavailable on this machine skips everything, with the reason.
 */
export function defineConformance(options: ConformanceOptions): void {
  const log = options.log ?? ((line: string) => console.log(line));
  describe(`conformance: ${options.name}`, async () => {
    const plan = await makePlan(options.goldenDir, options.goldenSource);
    let session: Session | undefined;
    let unavailable: string | undefined;
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const skipped: string[] = [];

    beforeAll(async () => {
      try {
        session = await openSession(options);
      } catch (err) {
        if (!(err instanceof BackendUnavailableError)) throw err;
        unavailable = err.message;
        log(`conformance: ${options.name}: backend unavailable, every case is skipped: ${unavailable}`);
        return;
      }
      for (const line of unsupportedLines(session.context.backend)) log(`conformance: ${line}`);
    });

    afterAll(() => {
      session?.close();
      if (unavailable !== undefined) log(`conformance: ${options.name}: every case skipped, backend unavailable: ${unavailable}`);
      else for (const line of skipped) log(`conformance: ${options.name}: skipped ${line}`);
      log(`conformance: ${options.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
      log(goldenSummary(plan.golden));
    });

    for (const suite of plan.suites) {
      if (options.filter && !suite.cases.some((c) => options.filter!.test(`${c.suite}/${c.name}`))) continue;
      describe(suite.name, () => {
        for (const c of suite.cases) {
          if (options.filter && !options.filter.test(`${c.suite}/${c.name}`)) continue;
          const reason = skipReason(options.skip, c);
          if (reason) {
            skipped.push(`${c.suite}/${c.name}: ${reason}`);
            counts.skipped++;
            it.skip(`${c.name} (skipped: ${reason})`, () => {});
            continue;
          }
          it(c.name, { timeout: c.timeout ?? 30_000 }, async (t) => {
            if (unavailable !== undefined) {
              counts.skipped++;
              t.skip(`backend unavailable: ${unavailable}`);
            }
            if (!session) throw new Error('conformance: the backend session did not start');
            const result = await runCase(session, c);
            counts[result.status]++;
            if (result.status === 'skipped') {
              skipped.push(`${c.suite}/${c.name}: ${result.reason}`);
              t.skip(result.reason);
            }
            if (result.status === 'failed') throw result.error instanceof Error ? result.error : new Error(result.reason);
          });
        }
      });
    }

    if (options.expectSkipped !== undefined) {
      // registered last, so it runs after every case: a new skip (or a case that stopped skipping) is seen
      it(`skips exactly ${options.expectSkipped} cases (pinned)`, (t) => {
        if (unavailable !== undefined) t.skip(`backend unavailable: ${unavailable}`);
        if (counts.skipped !== options.expectSkipped) {
          throw new Error(
            `conformance: ${options.name}: ${counts.skipped} cases were skipped, ${options.expectSkipped} expected (update expectSkipped ` +
              `only for a skip with a reason):\n  ${skipped.join('\n  ')}`,
          );
        }
      });
    }
  });
}
