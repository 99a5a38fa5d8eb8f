import type { Backend } from '../backend.js';
import { engine } from '../engine.js';
import type { DType } from '../dtype.js';
import { assertValidShape, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Generator } from '../random/generator.js';
import { div, mul } from './binary.js';
import { assertFloat, assertTensor } from './tensor-like.js';

export interface RandomOptions {
  dtype?: DType;
  /** Where to sample; defaults to the active backend. */
  backend?: Backend;
  /** Defaults to withGenerator's, else the global generator (seeded with manualSeed). */
  generator?: Generator;
}

function randomFloatDType(op: string, dtype: DType): void {
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
}

/** Uniform samples in [low, high). */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const { dtype = 'float32', low = 0, high = 1 } = options;
  assertValidShape(shape, 'rand');
  randomFloatDType('rand', dtype);
  const philox = (options.generator ?? engine().currentGenerator()).next(sizeOf(shape), 'uniform');
  const [out] = engine().execute({
    op: 'rand',
    inputs: [],
    backend: options.backend,
    outputs: [{ shape, dtype }],
    run: (b, _, [o]) => b.kernels.randomUniform({ out: o, low, high, ...philox }),
  });
  return out;
}

/** Normal samples with `mean` and `std` (Box–Muller over the Philox stream). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const { dtype = 'float32', mean = 0, std = 1 } = options;
  assertValidShape(shape, 'randn');
  randomFloatDType('randn', dtype);
  const philox = (options.generator ?? engine().currentGenerator()).next(sizeOf(shape), 'normal');
  const [out] = engine().execute({
    op: 'randn',
    inputs: [],
    backend: options.backend,
    outputs: [{ shape, dtype }],
    run: (b, _, [o]) => b.kernels.randomNormal({ out: o, mean, std, ...philox }),
  });
  return out;
}

/** 1 with probability p, else 0, in `dtype` (float32 by default). */
export function bernoulli(shape: Shape, p: number, options: RandomOptions = {}): Tensor {
  const { dtype = 'float32' } = options;
  assertValidShape(shape, 'bernoulli');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli: p must be in [0, 1], got ${p}`);
  const philox = (options.generator ?? engine().currentGenerator()).next(sizeOf(shape), 'bernoulli');
  const [out] = engine().execute({
    op: 'bernoulli',
    inputs: [],
    backend: options.backend,
    outputs: [{ shape, dtype }],
    run: (b, _, [o]) => b.kernels.randomBernoulli({ out: o, p, ...philox }),
  });
  return out;
}

/** Zeroes elements with probability p and scales the rest by 1/(1−p) when `training`. */
export function dropout(x: Tensor, p = 0.5, training = true, options: { generator?: Generator } = {}): Tensor {
  assertTensor(x, 'dropout', 'x');
  assertFloat(x, 'dropout', 'x');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return engine().view('contiguous', x, x.layout, {});
  return engine().scoped(() => {
    if (p === 1) return mul(x, 0);
    const keep = bernoulli(x.shape, 1 - p, { dtype: x.dtype, generator: options.generator, backend: x.ref.backend });
    return div(mul(x, keep), 1 - p);
  });
}
