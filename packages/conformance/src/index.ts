export { defineConformance } from './define.js';
export { runConformance, runConformanceCli, type ConformanceReport, type RunOptions } from './runner.js';
export { makePlan, goldenSummary, type Plan } from './plan.js';
export { loadReferenceBackend } from './reference.js';
export {
  GoldenFileMissingError,
  isGoldenFileMissing,
  locateGoldenDir,
  nodeGoldenSource,
  type GoldenLocation,
  type GoldenSource,
} from './golden/files.js';
export { goldenRunner, type GoldenRunner, type GoldenParams } from './golden/runners.js';
export { openPeftCase, loadPeftModel, loadInputs, outputTensor, type PeftGoldenCase } from './peft/golden-case.js';
export { TinyNet } from './peft/tiny-net.js';
export {
  checkCombineCase,
  type CombineCheck,
  type CombineCheckOptions,
  type CombineInputs,
  type CombineMeta,
} from './peft/combine-check.js';
export { OP_TABLE, type OpEntry } from './op-table/index.js';
export {
  DEFAULT_TOLERANCES,
  SkipCase,
  BackendUnavailableError,
  type Tolerances,
  type ConformanceOptions,
  type CaseContext,
  type ConformanceCase,
  type ConformanceSuite,
  type CaseResult,
  type CaseStatus,
} from './types.js';
