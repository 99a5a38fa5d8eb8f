export {
  mergeTaskTensors,
  weightedSum,
  electSign,
  disjointMerge,
  TASK_MERGE_METHODS,
  type TaskMergeMethod,
  type TaskMergeOptions,
} from './task-tensors.js';
export { magnitudeMask, breadcrumbsMask, randomMask } from './sparsify.js';
export {
  combineLora,
  combineLoraExact,
  LORA_COMBINATION_TYPES,
  type LoraPiece,
  type LoraCombinationType,
  type LoraCombinationOptions,
  type CombinedLora,
  type ExactCombinationOptions,
} from './lora-combination.js';
export { combineLoraAdapters, type LoraAdapterInput, type CombinedLoraAdapter } from './lora-adapters.js';
export type { MajoritySignMethod } from './validate.js';
export { assertMatchingStates, type StateDict } from './state-dict.js';
export {
  taskArithmetic,
  tiesMerge,
  dareMerge,
  magnitudePrune,
  breadcrumbsMerge,
  type TaskArithmeticOptions,
  type TiesMergeOptions,
  type DareMergeOptions,
  type MagnitudePruneOptions,
  type BreadcrumbsMergeOptions,
} from './model-merging.js';
export { modelSoup, greedySoup, type ModelSoupOptions, type GreedySoupOptions, type GreedySoupResult } from './soups.js';
