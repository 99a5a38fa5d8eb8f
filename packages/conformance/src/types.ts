import type { Backend } from '@peftjs/core';
import type { GoldenSource } from './golden/files.js';

/** Relative error bounds (max abs error divided by the largest |expected| value). */
export interface Tolerances {
  /** float32 elementwise ops and views against the float64 reference or the golden `out` (1e-5). */
  elementwise: number;
  /** float32 reductions, matmul, norms, softmax, losses and attention (1e-4). */
  reduction: number;
  /** float32 gradients of the backend against the reference's float64 gradients (1e-4). */
  gradient: number;
  /** float64 results against float64 references (golden `.f64` twins) (1e-10). */
  float64: number;
  /** Analytic float64 gradients against central finite differences on the reference (1e-6). */
  finiteDifference: number;
  /** randn against the CPU reference, in float32 ulps-as-relative-error: 0 means bit for bit. */
  philoxNormal: number;
  /** float16 results (inputs and outputs rounded to float16, f32 arithmetic) against float64 (1e-3; one rounding is 4.9e-4). */
  float16: number;
  /** bfloat16 results against float64 (1e-2; one rounding is 3.9e-3). */
  bfloat16: number;
}

export const DEFAULT_TOLERANCES: Tolerances = {
  elementwise: 1e-5,
  reduction: 1e-4,
  gradient: 1e-4,
  float64: 1e-10,
  finiteDifference: 1e-6,
  philoxNormal: 0,
  float16: 1e-3,
  bfloat16: 1e-2,
};

export interface ConformanceOptions {
  /** The backend's name in reports (`cpu`, `webgpu`, ...). */
  name: string;
  /** Makes the backend under test. Throw a BackendUnavailableError to report every case as skipped. */
  createBackend: () => Backend | Promise<Backend>;
  /** The float64 oracle; defaults to `new CpuBackend()` from @peftjs/backend-cpu (loaded on demand). */
  createReference?: () => Backend | Promise<Backend>;
  tolerances?: Partial<Tolerances>;
  /** Case name, `suite/case` or suite name → the reason it is skipped (printed in the run). */
  skip?: Record<string, string>;
  /** Golden vectors folder; defaults to PEFTJS_GOLDEN_DIR, else the package's committed `golden/` folder. */
  goldenDir?: string;
  /** Reads the golden files instead of the file system (a browser fetches them); wins over goldenDir. */
  goldenSource?: GoldenSource;
  /** Only the cases whose `suite/name` matches run (the others are not registered). */
  filter?: RegExp;
  /** Where progress lines go (default console.log). */
  log?: (line: string) => void;
  /**
   * How many cases this backend skips (with their reasons): pinned so that a new skip fails the run
   * instead of passing unseen. Checked by a last case when the backend is available.
   */
  expectSkipped?: number;
}

/** What a case sees: both backends, the tolerances, and helpers to run code on either. */
export interface CaseContext {
  /** Backend under test and its registered name in the engine. */
  readonly backend: Backend;
  readonly backendName: string;
  /** The CPU reference backend (computes in float64 for the oracle). */
  readonly reference: Backend;
  readonly referenceName: string;
  readonly tolerances: Tolerances;
  /** Runs `fn` with the backend under test active (creation ops land there). */
  onBackend<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Runs `fn` with the reference backend active. */
  onReference<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Whether the backend under test stores `float64`. */
  readonly supportsFloat64: boolean;
  /** Ends the case as skipped, with the reason. */
  skip(reason: string): never;
}

export interface ConformanceCase {
  readonly suite: string;
  readonly name: string;
  /** Extra time for slow cases, in ms (default 30 s). */
  readonly timeout?: number;
  run(ctx: CaseContext): Promise<void>;
}

export interface ConformanceSuite {
  readonly name: string;
  readonly cases: readonly ConformanceCase[];
}

export type CaseStatus = 'passed' | 'failed' | 'skipped';

export interface CaseResult {
  suite: string;
  name: string;
  status: CaseStatus;
  /** Why it was skipped, or the failure message. */
  reason?: string;
  error?: unknown;
  ms: number;
}

/** Thrown by ctx.skip(); the runners turn it into a skipped result. */
export class SkipCase extends Error {
  constructor(readonly reason: string) {
    super(`skipped: ${reason}`);
    this.name = 'SkipCase';
  }
}

/** Thrown by createBackend when the backend cannot run on this machine (no GPU, no adapter). */
export class BackendUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BackendUnavailableError';
  }
}
