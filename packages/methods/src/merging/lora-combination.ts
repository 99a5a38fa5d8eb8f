import {
  concat,
  dispose,
  formatShape,
  isFloat,
  matmul,
  mul,
  noGrad,
  reshape,
  tensor,
  Tensor,
  tidy,
  type DType,
  type Generator,
} from '@peftjs/core';
import { completeBasis, svdHost, type HostSvd } from '../linalg/svd-host.js';
import { productSvd } from '../linalg/product-svd.js';
import { mergeTaskTensors, type TaskMergeMethod } from './task-tensors.js';
import { assertDensity, assertFiniteNumber, assertMajoritySignMethod, type MajoritySignMethod } from './validate.js';

/** PEFT's add_weighted_adapter combination types. */
export type LoraCombinationType =
  | 'svd'
  | 'linear'
  | 'cat'
  | 'ties'
  | 'ties_svd'
  | 'dare_linear'
  | 'dare_ties'
  | 'dare_linear_svd'
  | 'dare_ties_svd'
  | 'magnitude_prune'
  | 'magnitude_prune_svd';

export const LORA_COMBINATION_TYPES: readonly LoraCombinationType[] = [
  'svd',
  'linear',
  'cat',
  'ties',
  'ties_svd',
  'dare_linear',
  'dare_ties',
  'dare_linear_svd',
  'dare_ties_svd',
  'magnitude_prune',
  'magnitude_prune_svd',
];

/**
 * One adapter's LoRA factors for one module: A (r, in) and B (out, r), or for convolutions
 * A (r, in, kh, kw) and B (out, r, 1, 1); `scaling` is the adapter's α/r (α/√r with rsLoRA) and
 * `weight` its weight in the combination. Layers with fan_in_fan_out (GPT-2's Conv1D) need nothing
 * special: PEFT transposes ΔW before the elementwise merge and back before the SVD, which changes
 * no entry of the result.
 */
export interface LoraPiece {
  A: Tensor;
  B: Tensor;
  scaling: number;
  weight: number;
}

export interface LoraCombinationOptions {
  /** Default 'svd', as PEFT. With a single adapter PEFT always uses 'linear', and so does this. */
  combinationType?: LoraCombinationType;
  /** Rank of the result for the svd types (default: the largest input rank). */
  svdRank?: number;
  /** svd types: clamp B and A to ±(this quantile of their entries), in [0, 1] (default: no clamp). */
  svdClamp?: number;
  /** Only changes intermediate shapes in PyTorch; accepted for parity, the result is the same. */
  svdFullMatrices?: boolean;
  /** Fraction kept by ties, dare and magnitude_prune types, in (0, 1]. */
  density?: number;
  majoritySignMethod?: MajoritySignMethod;
  /**
   * dare types: divide the kept entries by density (default true, as PEFT 0.19+ and the DARE paper).
   * PEFT 0.18.1 discarded that division by mistake; false reproduces its adapters.
   */
  dareRescale?: boolean;
  /**
   * svd types: PEFT weights each ΔWᵢ = sᵢ·Bᵢ·Aᵢ by wᵢ·sᵢ, so the scaling sᵢ enters twice (visible
   * whenever α ≠ r). 'peft' (default) keeps that for compatible adapters; 'once' uses wᵢ·ΔWᵢ.
   */
  deltaScaling?: 'peft' | 'once';
  /** dare types: the Philox stream for the masks (default: the global generator, see manualSeed). */
  generator?: Generator;
  /**
   * Keep-masks replacing the random or magnitude pruning, one per adapter, to replay a combination:
   * `A` and `B` for the factor-wise types, `delta` (out, in) for the svd types.
   */
  masks?: { A?: readonly Tensor[]; B?: readonly Tensor[]; delta?: readonly Tensor[] };
}

/**
 * The new adapter's factors; its config gets r = lora_alpha = rank and use_rslora off, so its
 * scaling is 1. (PEFT 0.18.1 copies use_rslora from the first adapter, which scales an rsLoRA
 * combination by √rank too much.)
 */
export interface CombinedLora {
  A: Tensor;
  B: Tensor;
  rank: number;
  /** The type actually used ('linear' for a single adapter). */
  combinationType: LoraCombinationType;
}

const FN = 'combineLora';

/**
 * Combines several LoRA adapters of one module into one, as HF PEFT's
 * `LoraModel.add_weighted_adapter` does:
 * - `cat`: A = [wᵢsᵢAᵢ], B = [Bᵢ] (rank Σrᵢ): exactly Σ wᵢsᵢBᵢAᵢ.
 * - `linear`, `ties`, `dare_*`, `magnitude_prune` (equal ranks): A and B are merged separately with
 *   weights sign(wᵢsᵢ)·√|wᵢsᵢ| for A and √|wᵢsᵢ| for B. Not the weighted sum of the deltas: B'A'
 *   has cross terms BᵢAⱼ. Use combineLoraExact for the true sum.
 * - `*svd`: the deltas are merged (see deltaScaling), then a truncated SVD: B = U_k S_k, A = Vh_k.
 */
export async function combineLora(pieces: readonly LoraPiece[], options: LoraCombinationOptions = {}): Promise<CombinedLora> {
  const shapes = validatePieces(FN, pieces);
  const requested = options.combinationType ?? 'svd';
  if (!LORA_COMBINATION_TYPES.includes(requested)) {
    throw new RangeError(`${FN}: unknown combinationType ${String(requested)}; expected one of ${LORA_COMBINATION_TYPES.join(', ')}`);
  }
  const type: LoraCombinationType = pieces.length === 1 ? 'linear' : requested;
  const method = taskMethod(type);
  if (method !== 'linear') assertDensity(FN, options.density);
  const { majoritySignMethod = 'total' } = options;
  assertMajoritySignMethod(FN, majoritySignMethod);

  if (type === 'cat') return { ...catFactors(pieces, shapes), combinationType: type };
  if (type.endsWith('svd')) {
    const rank = options.svdRank ?? Math.max(...shapes.ranks);
    assertRank(FN, 'svdRank', rank, Math.min(shapes.out, shapes.inSize));
    if (options.svdClamp !== undefined && !(options.svdClamp >= 0 && options.svdClamp <= 1)) {
      throw new RangeError(`${FN}: svdClamp must be a quantile in [0, 1], got ${String(options.svdClamp)}`);
    }
    const twice = (options.deltaScaling ?? 'peft') === 'peft';
    if (options.deltaScaling !== undefined && options.deltaScaling !== 'peft' && options.deltaScaling !== 'once') {
      throw new RangeError(`${FN}: deltaScaling must be 'peft' or 'once', got ${String(options.deltaScaling)}`);
    }
    // each ΔWᵢ = sᵢ·Bᵢ·Aᵢ is weighted by wᵢ·sᵢ in PEFT, by wᵢ with 'once'
    const deltaWeights = pieces.map((p) => (twice ? p.weight * p.scaling : p.weight));
    let svdResult: HostSvd;
    if (type === 'svd') {
      svdResult = await svdOfWeightedSum(
        pieces,
        pieces.map((p, i) => deltaWeights[i] * p.scaling),
        shapes,
      );
    } else {
      const deltas = noGrad(() => pieces.map((p) => tidy(() => mul(matmul(flatB(p.B, shapes), flatA(p.A, shapes)), p.scaling))));
      let merged: Tensor;
      try {
        merged = await mergeTaskTensors(
          deltas,
          deltaWeights,
          method,
          {
            density: options.density,
            majoritySignMethod,
            rescale: options.dareRescale ?? true,
            generator: options.generator,
            masks: options.masks?.delta,
          },
          FN,
        );
      } finally {
        dispose(deltas);
      }
      const values = Float64Array.from(await merged.data());
      merged.dispose();
      svdResult = svdHost(values, shapes.out, shapes.inSize, options.svdFullMatrices ?? true);
    }
    return { ...factorsFromSvd(svdResult, rank, options.svdClamp, shapes), combinationType: type };
  }

  if (new Set(shapes.ranks).size !== 1) {
    throw new RangeError(`${FN}: ${type} needs adapters of equal rank, got ranks [${shapes.ranks.join(', ')}]; use cat or an svd type`);
  }
  const products = pieces.map((p) => p.weight * p.scaling);
  const weightsA = products.map((x) => (x >= 0 ? 1 : -1) * Math.sqrt(Math.abs(x)));
  const weightsB = products.map((x) => Math.sqrt(Math.abs(x)));
  const mergeOptions = { density: options.density, majoritySignMethod, rescale: options.dareRescale ?? true, generator: options.generator };
  const as = pieces.map((p) => flatA(p.A, shapes));
  const bs = pieces.map((p) => flatB(p.B, shapes));
  try {
    const A = await mergeTaskTensors(as, weightsA, method, { ...mergeOptions, masks: options.masks?.A }, FN);
    const B = await mergeTaskTensors(bs, weightsB, method, { ...mergeOptions, masks: options.masks?.B }, FN).catch((e: unknown) => {
      A.dispose();
      throw e;
    });
    return { ...unflatten(A, B, shapes.ranks[0], shapes), combinationType: type };
  } finally {
    as.forEach((t, i) => t !== pieces[i].A && t.dispose());
    bs.forEach((t, i) => t !== pieces[i].B && t.dispose());
  }
}

export interface ExactCombinationOptions {
  /** 'svd' (default): a truncated SVD of Σ wᵢsᵢBᵢAᵢ; 'cat': stacked factors (rank Σrᵢ). */
  method?: 'svd' | 'cat';
  /**
   * svd: rank of the result. Default min(Σrᵢ, out, in), which is exact; a smaller rank gives the best
   * approximation of that rank (Eckart–Young).
   */
  rank?: number;
}

/** The true weighted sum ΔW = Σ wᵢ·sᵢ·Bᵢ·Aᵢ as one LoRA adapter (scaling 1), without forming ΔW. */
export async function combineLoraExact(pieces: readonly LoraPiece[], options: ExactCombinationOptions = {}): Promise<CombinedLora> {
  const fn = 'combineLoraExact';
  const shapes = validatePieces(fn, pieces);
  const { method = 'svd' } = options;
  if (method === 'cat') return { ...catFactors(pieces, shapes), combinationType: 'cat' };
  if (method !== 'svd') throw new RangeError(`${fn}: method must be 'svd' or 'cat', got ${String(method)}`);
  const total = shapes.ranks.reduce((a, b) => a + b, 0);
  const rank = options.rank ?? Math.min(total, shapes.out, shapes.inSize);
  assertRank(fn, 'rank', rank, Math.min(shapes.out, shapes.inSize));
  const result = await svdOfWeightedSum(
    pieces,
    pieces.map((p) => p.weight * p.scaling),
    shapes,
  );
  return { ...factorsFromSvd(result, rank, undefined, shapes), combinationType: 'svd' };
}

interface PieceShapes {
  ranks: number[];
  out: number;
  /** A's trailing shape (in, or in x kh x kw) and its size. */
  inShape: number[];
  inSize: number;
  /** B's trailing shape after (out, r): [] or [1, 1]. */
  bTail: number[];
  dtype: DType;
}

function validatePieces(fn: string, pieces: readonly LoraPiece[]): PieceShapes {
  if (!Array.isArray(pieces) || pieces.length === 0) throw new RangeError(`${fn}: give at least one LoRA piece {A, B, scaling, weight}`);
  const first = pieces[0];
  pieces.forEach((p, i) => {
    for (const key of ['A', 'B'] as const) {
      const t = p?.[key];
      if (!(t instanceof Tensor)) throw new TypeError(`${fn}: pieces[${i}].${key} must be a Tensor`);
      t.assertAlive(fn, `pieces[${i}].${key}`);
      if (!isFloat(t.dtype)) throw new TypeError(`${fn}: pieces[${i}].${key} must be float32 or float64, got ${t.dtype}`);
    }
    assertFiniteNumber(fn, `pieces[${i}].scaling`, p.scaling);
    assertFiniteNumber(fn, `pieces[${i}].weight`, p.weight);
    const { A, B } = p;
    if (A.rank < 2 || B.rank < 2 || B.shape.slice(2).some((d: number) => d !== 1) || A.shape[0] !== B.shape[1]) {
      throw new RangeError(
        `${fn}: pieces[${i}] needs A (r, in, ...) and B (out, r, 1...) with the same r, got A ${formatShape(A.shape)} and B ${formatShape(B.shape)}`,
      );
    }
    if (
      formatShape(A.shape.slice(1)) !== formatShape(first.A.shape.slice(1)) ||
      B.shape[0] !== first.B.shape[0] ||
      B.rank !== first.B.rank
    ) {
      throw new RangeError(
        `${fn}: pieces[${i}] has A ${formatShape(A.shape)} and B ${formatShape(B.shape)}, which do not fit pieces[0]'s A ${formatShape(first.A.shape)} and B ${formatShape(first.B.shape)}`,
      );
    }
    if (A.dtype !== first.A.dtype || B.dtype !== first.A.dtype)
      throw new TypeError(`${fn}: pieces[${i}] is ${A.dtype}/${B.dtype} but pieces[0].A is ${first.A.dtype}`);
  });
  const inShape = first.A.shape.slice(1);
  return {
    ranks: pieces.map((p) => p.A.shape[0]),
    out: first.B.shape[0],
    inShape,
    inSize: inShape.reduce((a: number, b: number) => a * b, 1),
    bTail: first.B.shape.slice(2),
    dtype: first.A.dtype,
  };
}

function assertRank(fn: string, arg: string, rank: unknown, max: number): asserts rank is number {
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1)
    throw new RangeError(`${fn}: ${arg} must be a positive integer, got ${String(rank)}`);
  if (rank > max) throw new RangeError(`${fn}: ${arg} ${rank} exceeds min(out, in) = ${max}`);
}

function taskMethod(type: LoraCombinationType): TaskMergeMethod {
  if (type === 'svd' || type === 'cat') return 'linear';
  return type.replace(/_svd$/, '') as TaskMergeMethod;
}

const flatA = (A: Tensor, s: PieceShapes): Tensor => (A.rank === 2 ? A : reshape(A, [A.shape[0], s.inSize]));
const flatB = (B: Tensor, _s: PieceShapes): Tensor => (B.rank === 2 ? B : reshape(B, [B.shape[0], B.shape[1]]));

/** Reshapes flat A (rank, inSize) and B (out, rank) to the module's layout; takes ownership of both. */
function unflatten(A: Tensor, B: Tensor, rank: number, s: PieceShapes): { A: Tensor; B: Tensor; rank: number } {
  const reshaped = (t: Tensor, shape: number[]) => {
    if (formatShape(t.shape) === formatShape(shape)) return t;
    const r = reshape(t, shape);
    t.dispose();
    return r;
  };
  return { A: reshaped(A, [rank, ...s.inShape]), B: reshaped(B, [s.out, rank, ...s.bTail]), rank };
}

function catFactors(pieces: readonly LoraPiece[], s: PieceShapes): { A: Tensor; B: Tensor; rank: number } {
  const rank = s.ranks.reduce((a, b) => a + b, 0);
  return noGrad(() =>
    tidy(() => {
      const A = concat(
        pieces.map((p) => mul(p.A, p.weight * p.scaling)),
        0,
      );
      const B = concat(
        pieces.map((p) => p.B),
        1,
      );
      return { A, B, rank };
    }),
  );
}

async function readFlat(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

/** SVD of Σ cᵢ Bᵢ Aᵢ through the stacked factors [c₁B₁ … cₙBₙ] and [A₁; …; Aₙ]. */
async function svdOfWeightedSum(pieces: readonly LoraPiece[], coefficients: readonly number[], s: PieceShapes): Promise<HostSvd> {
  const total = s.ranks.reduce((a, b) => a + b, 0);
  const b = new Float64Array(s.out * total);
  const a = new Float64Array(total * s.inSize);
  let offset = 0;
  for (let i = 0; i < pieces.length; i++) {
    const r = s.ranks[i];
    const [bi, ai] = [await readFlat(pieces[i].B), await readFlat(pieces[i].A)];
    for (let row = 0; row < s.out; row++) for (let c = 0; c < r; c++) b[row * total + offset + c] = coefficients[i] * bi[row * r + c];
    a.set(ai, offset * s.inSize);
    offset += r;
  }
  return productSvd(b, s.out, total, a, s.inSize);
}

/**
 * B = U_k diag(S_k), A = Vh_k (k = rank), optionally clamped to ±q where q is the `clamp` quantile of
 * all their entries (torch.quantile's linear interpolation). Where the SVD has fewer than k triplets
 * (a product of low rank) B gets zero columns and A rows orthonormal to the others.
 */
function factorsFromSvd(svd: HostSvd, rank: number, clamp: number | undefined, s: PieceShapes): { A: Tensor; B: Tensor; rank: number } {
  const n = s.inSize;
  const have = Math.min(rank, svd.S.length);
  const b = new Float64Array(s.out * rank);
  for (let i = 0; i < s.out; i++) for (let c = 0; c < have; c++) b[i * rank + c] = svd.U[i * svd.uCols + c] * svd.S[c];
  const a = new Float64Array(rank * n);
  a.set(svd.Vh.subarray(0, have * n));
  if (have < rank)
    completeBasis(
      a,
      n,
      Array.from({ length: rank - have }, (_, j) => have + j),
    );
  if (clamp !== undefined) {
    const hi = quantile(Float64Array.from([...b, ...a]), clamp);
    const clip = (x: number) => Math.min(Math.max(x, -hi), hi);
    for (let i = 0; i < b.length; i++) b[i] = clip(b[i]);
    for (let i = 0; i < a.length; i++) a[i] = clip(a[i]);
  }
  const A = tensor(a, { shape: [rank, n], dtype: s.dtype });
  const B = tensor(b, { shape: [s.out, rank], dtype: s.dtype });
  return unflatten(A, B, rank, s);
}

/** torch.quantile with linear interpolation between the closest ranks. */
export function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}
