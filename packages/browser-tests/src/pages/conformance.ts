/**
 * The conformance page: the whole suite on the WebGPU backend, compared with the CPU reference,
 * golden vectors fetched from the serving origin's `/golden/`.
 */
import { CpuBackend } from '@peftjs/backend-cpu';
import { createWebGPUBackend } from '@peftjs/backend-webgpu';
import { runConformance, type CaseResult } from '@peftjs/conformance/runner';
import { BROWSER_CONFORMANCE_FILTER } from './conformance-filter.js';
import { goldenOverHttp } from './golden-over-http.js';
import type { ConformancePageGlobals, PageAdapterInfo, PageCaseResult } from './protocol.js';

const page = globalThis as unknown as ConformancePageGlobals;

async function adapterInfo(): Promise<PageAdapterInfo | null> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return null;
  // GPUAdapter.info is newer than the typings in use
  const info = (adapter as unknown as { info: Partial<PageAdapterInfo> }).info;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description ?? '',
    isFallbackAdapter: info.isFallbackAdapter ?? false,
  };
}

const plain = ({ suite, name, status, reason, ms }: CaseResult): PageCaseResult => ({ suite, name, status, reason, ms });

page.runConformanceOnWebGPU = async (filter) => {
  const adapter = await adapterInfo();
  let backendName = '';
  const report = await runConformance({
    name: 'webgpu',
    createBackend: async () => {
      const backend = await createWebGPUBackend();
      backendName = backend.name;
      return backend;
    },
    createReference: () => new CpuBackend({ fast: false }),
    goldenSource: goldenOverHttp(new URL('/golden/', location.href).href),
    // as in the backend's own test: randn's Box–Muller runs in f32 on the GPU, within one ulp of the reference
    tolerances: { philoxNormal: 2e-7 },
    filter: new RegExp(filter ?? BROWSER_CONFORMANCE_FILTER),
    onResult: (r) => page.peftjsCaseDone?.(plain(r)),
  });
  const { passed, failed, skipped, notes } = report;
  return { adapter, backendName, passed, failed, skipped, notes, results: report.results.map(plain) };
};
