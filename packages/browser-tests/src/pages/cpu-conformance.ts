/**
 * The CPU conformance page: the whole suite on the CPU backend's fast kernels, compared with the
 * reference kernels, golden vectors fetched from the serving origin's `/golden/`. In a
 * cross-origin-isolated page the fast matmul splits large products over Web Workers; elsewhere it
 * runs on the page's thread alone. The summary says which, through the backend's thread usage.
 */
import { CpuBackend, type ThreadUsage } from '@peftjs/backend-cpu';
import { runConformance, type CaseResult } from '@peftjs/conformance/runner';
import { BROWSER_CONFORMANCE_FILTER } from './conformance-filter.js';
import { goldenOverHttp } from './golden-over-http.js';
import type { CpuConformancePageGlobals, PageCaseResult } from './protocol.js';

const page = globalThis as unknown as CpuConformancePageGlobals;

const plain = ({ suite, name, status, reason, ms }: CaseResult): PageCaseResult => ({ suite, name, status, reason, ms });

page.runConformanceOnCpu = async (filter) => {
  const backends: CpuBackend[] = [];
  const report = await runConformance({
    name: 'cpu',
    createBackend: async () => {
      const backend = new CpuBackend();
      // the workers start asynchronously: wait, so the large products of the suite are split
      await backend.whenThreadsReady();
      backends.push(backend);
      return backend;
    },
    createReference: () => new CpuBackend({ fast: false }),
    goldenSource: goldenOverHttp(new URL('/golden/', location.href).href),
    filter: new RegExp(filter ?? BROWSER_CONFORMANCE_FILTER),
    onResult: (r) => page.peftjsCaseDone?.(plain(r)),
  });
  const usage = backends.map((b) => b.threadUsage());
  const threads: ThreadUsage = {
    requested: Math.max(1, ...usage.map((u) => u.requested)),
    started: Math.max(1, ...usage.map((u) => u.started)),
    maxUsed: Math.max(1, ...usage.map((u) => u.maxUsed)),
  };
  const { passed, failed, skipped, notes } = report;
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    hardwareConcurrency: navigator.hardwareConcurrency,
    threads,
    passed,
    failed,
    skipped,
    notes,
    results: report.results.map(plain),
  };
};
