/** What the conformance page hands back to the test (plain data: it crosses into Node). */
export interface PageCaseResult {
  suite: string;
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  reason?: string;
  ms: number;
}

export interface PageAdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface PageConformanceSummary {
  /** The adapter navigator.gpu gave the page; null when there was none. */
  adapter: PageAdapterInfo | null;
  /** The engine's name for the backend the cases ran on, and the Backend's own name. */
  backendName: string;
  passed: number;
  failed: number;
  skipped: number;
  results: PageCaseResult[];
  notes: string[];
}

/** Globals the conformance page defines and calls. */
export interface ConformancePageGlobals {
  /** Runs the suite (cases whose `suite/name` matches `filter`, when given) on WebGPU. */
  runConformanceOnWebGPU(filter?: string): Promise<PageConformanceSummary>;
  /** Set by the test (page.exposeFunction): called after each case. */
  peftjsCaseDone?: (result: PageCaseResult) => void;
}

export interface CpuConformanceSummary {
  /** What the page saw: cross-origin isolation, SharedArrayBuffer and the cores it was told of. */
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  hardwareConcurrency: number;
  /** The CPU backend's thread usage over the run (the most of any backend the suite made). */
  threads: { requested: number; started: number; maxUsed: number };
  passed: number;
  failed: number;
  skipped: number;
  results: PageCaseResult[];
  notes: string[];
}

/** Globals the CPU conformance page defines and calls. */
export interface CpuConformancePageGlobals {
  /** Runs the suite (cases whose `suite/name` matches `filter`, when given) on the CPU backend's fast kernels. */
  runConformanceOnCpu(filter?: string): Promise<CpuConformanceSummary>;
  /** Set by the test (page.exposeFunction): called after each case. */
  peftjsCaseDone?: (result: PageCaseResult) => void;
}
