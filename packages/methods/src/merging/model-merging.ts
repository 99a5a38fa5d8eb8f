import { add, dispose, Generator, mul, noGrad, sub, tidy, type Tensor } from '@peftjs/core';
import { assertMatchingStates, mapStates, type StateDict } from './state-dict.js';
import { mergeTaskTensors, type TaskMergeMethod, type TaskMergeOptions } from './task-tensors.js';
import { assertDensity, assertFiniteNumber, resolveWeights, type MajoritySignMethod } from './validate.js';

export interface TaskArithmeticOptions {
  /** One weight per fine-tuned model (default 1 each). */
  weights?: readonly number[];
  /** λ: the merged task vector is scaled by it before it is added to the base (default 1). */
  scalingCoef?: number;
}

export interface TiesMergeOptions extends TaskArithmeticOptions {
  /** Fraction of each task vector kept (largest magnitudes), in (0, 1]. */
  density: number;
  /** 'total' (default): sign of Σ τᵢ; 'frequency': sign of Σ sign(τᵢ). */
  majoritySignMethod?: MajoritySignMethod;
}

export interface DareMergeOptions extends TaskArithmeticOptions {
  /** Probability of keeping each entry of a task vector, in (0, 1]. */
  density: number;
  /** Divide kept entries by density (default true). */
  rescale?: boolean;
  /** 'linear' (dare_linear, default) or 'ties' (dare_ties: TIES sign election after the drop). */
  method?: 'linear' | 'ties';
  majoritySignMethod?: MajoritySignMethod;
  /** Seeds a Philox generator for the masks, so the merge is reproducible on every backend. */
  seed?: number;
  /** The generator for the masks (default: a new one from `seed`, else the global generator). */
  generator?: Generator;
}

export interface MagnitudePruneOptions extends TaskArithmeticOptions {
  density: number;
}

export interface BreadcrumbsMergeOptions extends TaskArithmeticOptions {
  /** Fraction of each task vector kept after dropping the outliers, in (0, 1]. */
  density: number;
  /** Fraction of the largest-magnitude entries dropped per tensor (default 0.01); density + gamma <= 1. */
  gamma?: number;
}

/**
 * Task arithmetic (Ilharco et al.): θ = θ_base + λ Σ wᵢ (θᵢ − θ_base), key by key. Returns a new
 * state dict; the inputs are left alone. Integer tensors are copied from the base.
 */
export async function taskArithmetic(
  base: StateDict,
  finetuned: readonly StateDict[],
  options: TaskArithmeticOptions = {},
): Promise<Map<string, Tensor>> {
  return mergeModels('taskArithmetic', base, finetuned, 'linear', options, {});
}

/** TIES-merging (Yadav et al.): trim each task vector to `density`, elect signs, disjoint mean. */
export async function tiesMerge(base: StateDict, finetuned: readonly StateDict[], options: TiesMergeOptions): Promise<Map<string, Tensor>> {
  assertDensity('tiesMerge', options?.density);
  return mergeModels('tiesMerge', base, finetuned, 'ties', options, {
    density: options.density,
    majoritySignMethod: options.majoritySignMethod,
  });
}

/** DARE (Yu et al.): drop each task-vector entry with probability 1 − density, rescale, then linear or TIES. */
export async function dareMerge(base: StateDict, finetuned: readonly StateDict[], options: DareMergeOptions): Promise<Map<string, Tensor>> {
  const fn = 'dareMerge';
  assertDensity(fn, options?.density);
  const { method = 'linear' } = options;
  if (method !== 'linear' && method !== 'ties') throw new RangeError(`${fn}: method must be 'linear' or 'ties', got ${String(method)}`);
  if (options.seed !== undefined) assertFiniteNumber(fn, 'seed', options.seed);
  const generator = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : undefined);
  return mergeModels(fn, base, finetuned, method === 'ties' ? 'dare_ties' : 'dare_linear', options, {
    density: options.density,
    rescale: options.rescale ?? true,
    majoritySignMethod: options.majoritySignMethod,
    generator,
  });
}

/** Keep the top `density` of each task vector by magnitude, then task arithmetic (PEFT's magnitude_prune). */
export async function magnitudePrune(
  base: StateDict,
  finetuned: readonly StateDict[],
  options: MagnitudePruneOptions,
): Promise<Map<string, Tensor>> {
  assertDensity('magnitudePrune', options?.density);
  return mergeModels('magnitudePrune', base, finetuned, 'magnitude_prune', options, { density: options.density });
}

/**
 * Model Breadcrumbs (Davari & Belilovsky): per tensor drop the largest `gamma` fraction of each task
 * vector (outliers) and the smallest so that `density` remains, then task arithmetic.
 */
export async function breadcrumbsMerge(
  base: StateDict,
  finetuned: readonly StateDict[],
  options: BreadcrumbsMergeOptions,
): Promise<Map<string, Tensor>> {
  const fn = 'breadcrumbsMerge';
  assertDensity(fn, options?.density);
  const { gamma = 0.01 } = options;
  assertFiniteNumber(fn, 'gamma', gamma);
  if (gamma < 0 || gamma + options.density > 1)
    throw new RangeError(`${fn}: gamma must be in [0, 1 - density], got gamma ${gamma} with density ${options.density}`);
  return mergeModels(fn, base, finetuned, 'breadcrumbs', options, { density: options.density, gamma });
}

async function mergeModels(
  fn: string,
  base: StateDict,
  finetuned: readonly StateDict[],
  method: TaskMergeMethod,
  options: TaskArithmeticOptions,
  mergeOptions: TaskMergeOptions,
): Promise<Map<string, Tensor>> {
  assertMatchingStates(fn, base, 'base', finetuned, 'finetuned');
  const weights = resolveWeights(fn, options.weights, finetuned.length);
  const { scalingCoef = 1 } = options;
  assertFiniteNumber(fn, 'scalingCoef', scalingCoef);
  return mapStates(base, async (key, b) => {
    const deltas = noGrad(() => tidy(() => finetuned.map((state) => sub(state.get(key)!, b))));
    let merged: Tensor;
    try {
      merged = await mergeTaskTensors(deltas, weights, method, mergeOptions, fn);
    } finally {
      dispose(deltas);
    }
    try {
      return noGrad(() => tidy(() => add(b, mul(merged, scalingCoef))));
    } finally {
      merged.dispose();
    }
  });
}
