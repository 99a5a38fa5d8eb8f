import type { DType } from './dtype.js';
import type { Layout } from './layout.js';

/**
 * What a kernel sees of a tensor: its backend storage, its layout and dtype. Inputs may be strided
 * views (broadcast inputs have stride 0); outputs are always allocated contiguous by core, except
 * the `dst` of `copy`, which may be a strided window into a larger buffer (concat, slice-assign).
 */
export interface TensorInfo<S = unknown> {
  readonly storage: S;
  readonly layout: Layout;
  readonly dtype: DType;
}

export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'reciprocal'
  | 'square'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'gelu'
  | 'geluTanh'
  | 'silu'
  | 'sign'
  | 'erf';
export const UNARY_OPS: readonly UnaryOp[] = [
  'neg',
  'abs',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'square',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'gelu',
  'geluTanh',
  'silu',
  'sign',
  'erf',
];

export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type BinaryOp = ArithmeticOp | CompareOp;
export const ARITHMETIC_OPS: readonly ArithmeticOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];
export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

export type ReduceOp = 'sum' | 'max' | 'min';

/** Activations whose backward may be one fused kernel (`activationBackward`). */
export type ActivationOp = 'gelu' | 'geluTanh' | 'silu';
export const ACTIVATION_BACKWARD_OPS: readonly ActivationOp[] = ['gelu', 'geluTanh', 'silu'];

/** AdamW's hyper-parameters for one fused update; `step` is the update count t (from 1). */
export interface AdamWStepAttrs {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly step: number;
}

/**
 * Optional kernels: a backend may leave any of them out without listing it (a complete table does
 * not need them); core then composes the same result from primitives. Each has a rule in core and
 * a test against the composed version.
 */
export interface OptionalKernelSignatures<S = unknown> {
  /** dx = dy · f'(x) for the activation `op`; x, dy and dx have one shape (dy may be broadcast). */
  activationBackward?(a: { op: ActivationOp; x: TensorInfo<S>; dy: TensorInfo<S>; dx: TensorInfo<S> }): void;
  /**
   * One AdamW update of PyTorch's, in one pass per parameter:
   *   m' = β1 m + (1 − β1) g,  v' = β2 v + (1 − β2) g²  (m and v null: zero, the first update),
   *   p' = p (1 − lr·wd) − lr · (m' / (1 − β1^t)) / (√(v' / (1 − β2^t)) + eps).
   * param, grad, m and v have one shape; paramOut, mOut and vOut are fresh contiguous outputs.
   */
  adamwStep?(
    a: {
      param: TensorInfo<S>;
      grad: TensorInfo<S>;
      m: TensorInfo<S> | null;
      v: TensorInfo<S> | null;
      paramOut: TensorInfo<S>;
      mOut: TensorInfo<S>;
      vOut: TensorInfo<S>;
    } & AdamWStepAttrs,
  ): void;
}

/**
 * A quantized weight W [rows, cols] as the kernels read it (the layout of every buffer is in
 * quant/format.ts): element i = r·cols + c belongs to block ⌊i / blockSize⌋ and is
 *   nf4:  codeMap[nibble i of codes] · absmax(block)
 *   int8: (signed byte i of codes) · fround(absmax(block) / 127), one block a row,
 * where absmax(b) is absmax[b], or, double-quantized, fround(nested.codeMap[byte b of nested.codes] ·
 * nested.absmax[⌊b / nested.blockSize⌋]) + nested.offset[0]. All buffers are contiguous; codes are
 * int32 words, the rest float32.
 */
export interface QuantizedWeightInfo<S = unknown> {
  readonly format: 'nf4' | 'int8';
  readonly rows: number;
  readonly cols: number;
  readonly blockSize: number;
  readonly codes: TensorInfo<S>;
  /** nf4: the 16 code values; null for int8. */
  readonly codeMap: TensorInfo<S> | null;
  /** One absmax a block; null when `nested` holds them. */
  readonly absmax: TensorInfo<S> | null;
  readonly nested: {
    readonly codes: TensorInfo<S>;
    readonly codeMap: TensorInfo<S>;
    readonly absmax: TensorInfo<S>;
    /** One value. */
    readonly offset: TensorInfo<S>;
    readonly blockSize: number;
  } | null;
}

/** The counter-based stream: element i of a call takes word (i mod 4) of Philox(key, counter + floor(i / 4)). */
export interface PhiloxAttrs {
  readonly key: readonly [number, number];
  /** 64-bit start counter as two uint32 words [lo, hi]. */
  readonly counter: readonly [number, number];
}

/**
 * Every kernel a backend implements. Each takes one object: inputs, preallocated outputs and
 * attributes. Inputs and outputs have the dtypes core checked; shapes are already broadcast.
 * Kernels never allocate a buffer they do not free before returning (the leak check sees it).
 */
export interface KernelSignatures<S = unknown> extends OptionalKernelSignatures<S> {
  // creation
  fill(a: { out: TensorInfo<S>; value: number }): void;
  arange(a: { out: TensorInfo<S>; start: number; step: number }): void;
  /**
   * Strided to strided copy of equal shapes and dtypes (contiguous(), concat, slice-assign). src and
   * dst may overlap: the result is as if src were read in full first.
   */
  copy(a: { src: TensorInfo<S>; dst: TensorInfo<S> }): void;
  /** Dtype conversion: floats to int32 truncate toward zero; to bool is `x != 0`. */
  cast(a: { x: TensorInfo<S>; out: TensorInfo<S> }): void;
  randomUniform(a: { out: TensorInfo<S>; low: number; high: number } & PhiloxAttrs): void;
  /** Box–Muller on consecutive pairs of uniforms (see random/philox.ts). */
  randomNormal(a: { out: TensorInfo<S>; mean: number; std: number } & PhiloxAttrs): void;
  /** out = uniform < p ? 1 : 0, in out's dtype. */
  randomBernoulli(a: { out: TensorInfo<S>; p: number } & PhiloxAttrs): void;

  // elementwise
  unary(a: { op: UnaryOp; x: TensorInfo<S>; out: TensorInfo<S> }): void;
  /**
   * a and b have out's shape (broadcast by strides); comparisons write a bool out. int32 results
   * wrap like Int32Array stores (division truncates, x/0 gives 0); NaN propagates through maximum/minimum.
   */
  binary(a: { op: BinaryOp; a: TensorInfo<S>; b: TensorInfo<S>; out: TensorInfo<S> }): void;
  where(a: { cond: TensorInfo<S>; a: TensorInfo<S>; b: TensorInfo<S>; out: TensorInfo<S> }): void;

  // reductions: out's shape is x's with `axes` removed (sorted, unique, non-empty)
  reduce(a: { op: ReduceOp; x: TensorInfo<S>; axes: readonly number[]; out: TensorInfo<S> }): void;
  /** int32 index of the first maximum along `axis` (a NaN counts as the maximum); out's shape is x's without `axis`. */
  argmax(a: { x: TensorInfo<S>; axis: number; out: TensorInfo<S> }): void;

  /**
   * Batched matmul: a is [...batch, M, K] ([..., K, M] when transA), b is [...batch, K, N]
   * ([..., N, K] when transB), both already broadcast to out's batch dims; out is [...batch, M, N].
   */
  matmul(a: { a: TensorInfo<S>; b: TensorInfo<S>; transA: boolean; transB: boolean; out: TensorInfo<S> }): void;

  /**
   * Dequantize-matmul: with transposeWeight, out [M, rows] = x [M, cols] · Wᵀ (a Linear's forward);
   * without, out [M, cols] = x [M, rows] · W (its input gradient). x and out are contiguous 2-D,
   * of one float dtype; W is dequantized per block inside the product.
   */
  quantizedMatmul(a: { x: TensorInfo<S>; weight: QuantizedWeightInfo<S>; transposeWeight: boolean; out: TensorInfo<S> }): void;
  /** out [rows, cols] (contiguous, float) = W dequantized (merging, LoftQ). */
  dequantize(a: { weight: QuantizedWeightInfo<S>; out: TensorInfo<S> }): void;

  // indexing (indices are int32, already bounds-checked by core)
  /** out = x.indexSelect(axis, indices): out shape x[:axis] + indices.shape + x[axis+1:]. */
  gather(a: { x: TensorInfo<S>; indices: TensorInfo<S>; axis: number; out: TensorInfo<S> }): void;
  /** In place on `out` (contiguous, already holding the base values): out[.., indices[j], ..] += src[.., j, ..]. */
  scatterAdd(a: { src: TensorInfo<S>; indices: TensorInfo<S>; axis: number; out: TensorInfo<S> }): void;

  // fused kernels over the last axis (rows = size / lastDim), each with its backward
  softmax?(a: { x: TensorInfo<S>; out: TensorInfo<S> }): void;
  softmaxBackward?(a: { y: TensorInfo<S>; dy: TensorInfo<S>; dx: TensorInfo<S> }): void;
  logSoftmax?(a: { x: TensorInfo<S>; out: TensorInfo<S> }): void;
  logSoftmaxBackward?(a: { y: TensorInfo<S>; dy: TensorInfo<S>; dx: TensorInfo<S> }): void;
  /** Normalises over the last axis; mean and rstd have shape [rows] (biased variance). */
  layerNorm?(a: {
    x: TensorInfo<S>;
    weight: TensorInfo<S> | null;
    bias: TensorInfo<S> | null;
    eps: number;
    out: TensorInfo<S>;
    mean: TensorInfo<S>;
    rstd: TensorInfo<S>;
  }): void;
  /** dx assigned; dweight/dbias (when given) assigned with the sum over rows. */
  layerNormBackward?(a: {
    x: TensorInfo<S>;
    weight: TensorInfo<S> | null;
    mean: TensorInfo<S>;
    rstd: TensorInfo<S>;
    dy: TensorInfo<S>;
    dx: TensorInfo<S>;
    dweight: TensorInfo<S> | null;
    dbias: TensorInfo<S> | null;
  }): void;
  /** y = x * rstd * weight, rstd = 1/sqrt(mean(x^2) + eps) with shape [rows]. */
  rmsNorm?(a: { x: TensorInfo<S>; weight: TensorInfo<S> | null; eps: number; out: TensorInfo<S>; rstd: TensorInfo<S> }): void;
  rmsNormBackward?(a: {
    x: TensorInfo<S>;
    weight: TensorInfo<S> | null;
    rstd: TensorInfo<S>;
    dy: TensorInfo<S>;
    dx: TensorInfo<S>;
    dweight: TensorInfo<S> | null;
  }): void;
  /**
   * logits [N, C], target int32 [N] (a target outside [0, C) that is not ignoreIndex is an error
   * where the backend can detect it; core checks first where reads are synchronous); loss [N] per row (0 where target == ignoreIndex), with label
   * smoothing ε: (1-ε)·nll + ε·mean_c(-log p_c).
   */
  crossEntropy?(a: {
    logits: TensorInfo<S>;
    target: TensorInfo<S>;
    ignoreIndex: number;
    labelSmoothing: number;
    loss: TensorInfo<S>;
  }): void;
  /** dlogits[n] = dloss[n] · (softmax(logits[n]) − smoothed one-hot(target[n])), 0 for ignored rows. */
  crossEntropyBackward?(a: {
    logits: TensorInfo<S>;
    target: TensorInfo<S>;
    dloss: TensorInfo<S>;
    ignoreIndex: number;
    labelSmoothing: number;
    dlogits: TensorInfo<S>;
  }): void;
}

export type KernelName = keyof KernelSignatures;
/** The argument object of kernel `K` on a backend whose tensors hold storage `S`. */
export type KernelArgs<K extends KernelName, S = unknown> = Parameters<NonNullable<KernelSignatures<S>[K]>>[0];
export type KernelTable<S> = KernelSignatures<S>;
/**
 * For backends that provide every fused kernel too: leaving one out is then a compile error. The
 * optional kernels are not part of it (add `& OptionalKernelSignatures<S>` for those a backend has).
 */
export type CompleteKernelTable<S> = Required<Omit<KernelSignatures<S>, keyof OptionalKernelSignatures>>;

/** The optional kernels (see OptionalKernelSignatures). */
export const OPTIONAL_KERNELS = ['activationBackward', 'adamwStep'] as const satisfies readonly KernelName[];

/** Fused kernels a backend may leave out (listing why in `unsupported`); core then composes them. */
export const FUSED_KERNELS = [
  'softmax',
  'softmaxBackward',
  'logSoftmax',
  'logSoftmaxBackward',
  'layerNorm',
  'layerNormBackward',
  'rmsNorm',
  'rmsNormBackward',
  'crossEntropy',
  'crossEntropyBackward',
] as const satisfies readonly KernelName[];

export const PRIMITIVE_KERNELS = [
  'fill',
  'arange',
  'copy',
  'cast',
  'randomUniform',
  'randomNormal',
  'randomBernoulli',
  'unary',
  'binary',
  'where',
  'reduce',
  'argmax',
  'matmul',
  'gather',
  'scatterAdd',
  'quantizedMatmul',
  'dequantize',
] as const satisfies readonly KernelName[];
