import { add, cast, div, eq, formatShape, ge, maximum, mul, noGrad, sign, sub, tidy, type Generator, type Tensor } from '@peftjs/core';
import { breadcrumbsMask, magnitudeMask, randomMask } from './sparsify.js';
import {
  assertDensity,
  assertFiniteNumber,
  assertMajoritySignMethod,
  assertSameFloatTensors,
  type MajoritySignMethod,
} from './validate.js';

/**
 * How task tensors (differences from a base: LoRA factors, ΔW, fine-tuned minus pre-trained weights)
 * are merged, as in PEFT's merge_utils and mergekit:
 * - linear: Σ wᵢ τᵢ (task arithmetic)
 * - magnitude_prune: Σ wᵢ topk(τᵢ)
 * - ties: prune to the top density by magnitude, elect a sign per entry, average the agreeing entries
 * - dare_linear / dare_ties: random Bernoulli(density) pruning (rescaled by 1/density), then linear / ties
 * - breadcrumbs / breadcrumbs_ties: drop the largest gamma fraction and the smallest entries so that
 *   density remain, then linear / ties
 */
export type TaskMergeMethod = 'linear' | 'magnitude_prune' | 'ties' | 'dare_linear' | 'dare_ties' | 'breadcrumbs' | 'breadcrumbs_ties';

export const TASK_MERGE_METHODS: readonly TaskMergeMethod[] = [
  'linear',
  'magnitude_prune',
  'ties',
  'dare_linear',
  'dare_ties',
  'breadcrumbs',
  'breadcrumbs_ties',
];

export interface TaskMergeOptions {
  /** Fraction of entries kept by the pruning step, in (0, 1]; required by every method but linear. */
  density?: number;
  /** ties methods: 'total' elects the sign of Σ τᵢ, 'frequency' the sign of Σ sign(τᵢ) (ties go to +). */
  majoritySignMethod?: MajoritySignMethod;
  /** dare methods: divide the kept entries by density so the expectation is unchanged (default true). */
  rescale?: boolean;
  /** breadcrumbs methods: fraction of the largest-magnitude entries dropped as outliers (default 0.01). */
  gamma?: number;
  /** dare methods: the Philox stream for the masks (default: the global generator, see manualSeed). */
  generator?: Generator;
  /** Keep-masks (1 keep, 0 drop), one per task tensor, replacing the method's own pruning (to replay a merge). */
  masks?: readonly Tensor[];
}

const PRUNING: Record<TaskMergeMethod, 'none' | 'magnitude' | 'random' | 'breadcrumbs'> = {
  linear: 'none',
  magnitude_prune: 'magnitude',
  ties: 'magnitude',
  dare_linear: 'random',
  dare_ties: 'random',
  breadcrumbs: 'breadcrumbs',
  breadcrumbs_ties: 'breadcrumbs',
};

const usesSignElection = (method: TaskMergeMethod) => method === 'ties' || method === 'dare_ties' || method === 'breadcrumbs_ties';

/** Merges task tensors of one shape into one tensor (a new tensor; the inputs are left alone). */
export async function mergeTaskTensors(
  tensors: readonly Tensor[],
  weights: readonly number[],
  method: TaskMergeMethod,
  options: TaskMergeOptions = {},
  fn = 'mergeTaskTensors',
): Promise<Tensor> {
  if (!TASK_MERGE_METHODS.includes(method))
    throw new RangeError(`${fn}: unknown merge method ${String(method)}; expected one of ${TASK_MERGE_METHODS.join(', ')}`);
  assertSameFloatTensors(fn, 'tensors', tensors);
  if (weights.length !== tensors.length) throw new RangeError(`${fn}: ${tensors.length} tensors but ${weights.length} weights`);
  weights.forEach((w, i) => assertFiniteNumber(fn, `weights[${i}]`, w));
  const { majoritySignMethod = 'total', rescale = true, gamma = 0.01, masks } = options;
  const pruning = PRUNING[method];
  if (pruning !== 'none') assertDensity(fn, options.density);
  if (usesSignElection(method)) assertMajoritySignMethod(fn, majoritySignMethod);
  if (pruning === 'breadcrumbs') {
    assertFiniteNumber(fn, 'gamma', gamma);
    if (gamma < 0 || gamma + options.density! > 1)
      throw new RangeError(`${fn}: gamma must be in [0, 1 - density], got gamma ${gamma} with density ${options.density}`);
  }
  const density = options.density ?? 1;
  if (masks !== undefined) {
    if (pruning === 'none') throw new RangeError(`${fn}: masks were given but ${method} does not prune`);
    if (masks.length !== tensors.length) throw new RangeError(`${fn}: ${tensors.length} tensors but ${masks.length} masks`);
    masks.forEach((m, i) => {
      if (formatShape(m.shape) !== formatShape(tensors[i].shape))
        throw new RangeError(`${fn}: masks[${i}] is ${formatShape(m.shape)} but tensors[${i}] is ${formatShape(tensors[i].shape)}`);
    });
  }

  const keep = masks ? [...masks] : await pruningMasks(tensors, pruning, density, gamma, options.generator);
  try {
    return noGrad(() =>
      tidy(() => {
        const pruned = tensors.map((t, i) => {
          if (!keep[i]) return t;
          const kept = mul(t, keep[i]!.dtype === t.dtype ? keep[i]! : cast(keep[i]!, t.dtype));
          return pruning === 'random' && rescale ? div(kept, density) : kept;
        });
        return usesSignElection(method)
          ? disjointMerge(pruned, weights, electSign(pruned, majoritySignMethod))
          : weightedSum(pruned, weights);
      }),
    );
  } finally {
    if (!masks) for (const m of keep) m?.dispose();
  }
}

async function pruningMasks(
  tensors: readonly Tensor[],
  pruning: (typeof PRUNING)[TaskMergeMethod],
  density: number,
  gamma: number,
  generator: Generator | undefined,
): Promise<(Tensor | null)[]> {
  const masks: (Tensor | null)[] = [];
  try {
    for (const t of tensors) {
      // density 1 prunes nothing (as PEFT: no mask is drawn)
      if (pruning === 'none' || (density >= 1 && pruning !== 'breadcrumbs')) masks.push(null);
      else if (pruning === 'magnitude') masks.push(await magnitudeMask(t, density));
      else if (pruning === 'random') masks.push(randomMask(t, density, generator));
      else masks.push(await breadcrumbsMask(t, density, gamma));
    }
    return masks;
  } catch (e) {
    for (const m of masks) m?.dispose();
    throw e;
  }
}

/** Σ wᵢ tᵢ. */
export function weightedSum(tensors: readonly Tensor[], weights: readonly number[]): Tensor {
  return tidy(() => tensors.reduce<Tensor | null>((acc, t, i) => (acc ? add(acc, mul(t, weights[i])) : mul(t, weights[i])), null)!);
}

/** TIES sign election: +1 where Σ τᵢ (total) or Σ sign(τᵢ) (frequency) is >= 0, else −1. */
export function electSign(tensors: readonly Tensor[], method: MajoritySignMethod = 'total'): Tensor {
  return tidy(() => {
    const parts = method === 'total' ? tensors : tensors.map((t) => sign(t));
    const total = parts.reduce((acc, t) => add(acc, t));
    return sub(mul(cast(ge(total, 0), tensors[0].dtype), 2), 1);
  });
}

/**
 * TIES disjoint merge: Σ wᵢ τᵢ over the entries whose sign equals the elected one, divided by how many
 * agree (at least 1). Zero entries never agree, so pruned entries do not count.
 */
export function disjointMerge(tensors: readonly Tensor[], weights: readonly number[], elected: Tensor): Tensor {
  return tidy(() => {
    let sum: Tensor | null = null;
    let count: Tensor | null = null;
    tensors.forEach((t, i) => {
      const agree = cast(eq(sign(t), elected), t.dtype);
      const part = mul(mul(t, weights[i]), agree);
      sum = sum ? add(sum, part) : part;
      count = count ? add(count, agree) : agree;
    });
    return div(sum!, maximum(count!, 1));
  });
}
