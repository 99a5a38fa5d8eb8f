import { normalFromWords, philoxWords, uniformFromWord, type DType, type Shape } from '@peftjs/core';

/**
 * Seeded input values, made in JavaScript from core's Philox stream so every backend and the
 * reference get the very same numbers. Float values are rounded to float32 once, so the float32
 * inputs of a backend and the float64 inputs of the reference are equal.
 */
export type InputKind =
  | 'normal' // N(0, 1)
  | 'positive' // uniform in [0.5, 2)
  | 'nonzero' // N(0, 1) pushed away from 0 (|x| ≥ 0.1): relu, abs, sign, div
  | 'unit' // uniform in (-0.9, 0.9): for functions with a singularity at ±1
  | 'distinct' // a shuffled grid with gaps of 0.05: no ties (max, min, argmax, comparisons)
  | 'int' // integers in [0, high)
  | 'bool'; // true with probability 1/2

export interface InputSpec {
  readonly shape: Shape;
  readonly kind?: InputKind;
  /** Exclusive upper bound for 'int' inputs. */
  readonly high?: number;
  /** Literal values (row-major) instead of random ones. */
  readonly values?: readonly (number | boolean)[];
  /** The input's dtype class (default from `kind`: float, or int32 for 'int', bool for 'bool'). */
  readonly dtype?: 'float' | 'int32' | 'bool';
  /** Whether the gradient with respect to this input is checked (default: float inputs). */
  readonly grad?: boolean;
}

export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h >>> 0;
}

const numel = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

function words(seed: number, n: number): Uint32Array {
  return philoxWords([seed >>> 0, 0x5eed], [0, 0], new Uint32Array(Math.max(4, n + (n % 2))));
}

export function normals(seed: number, n: number): Float64Array {
  const w = words(seed, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = i - (i % 2);
    out[i] = Math.fround(normalFromWords(w[p], w[p + 1], i % 2 === 1));
  }
  return out;
}

export function uniforms(seed: number, n: number): Float64Array {
  const w = words(seed, n);
  return Float64Array.from({ length: n }, (_, i) => uniformFromWord(w[i]));
}

export function inputDType(spec: InputSpec): DType | 'float' {
  if (spec.dtype) return spec.dtype;
  const kind = spec.kind ?? 'normal';
  if (kind === 'int') return 'int32';
  if (kind === 'bool') return 'bool';
  if (spec.values && typeof spec.values[0] === 'boolean') return 'bool';
  return 'float';
}

/** The values of an input as float64 numbers (bools as 0/1), float inputs rounded to float32. */
export function makeValues(spec: InputSpec, seed: number): Float64Array {
  const n = numel(spec.shape);
  if (spec.values) {
    if (spec.values.length !== n) throw new Error(`input: ${spec.values.length} values for shape [${spec.shape.join(',')}]`);
    return Float64Array.from(spec.values, (v) => Math.fround(Number(v)));
  }
  const kind = spec.kind ?? 'normal';
  const u = uniforms(seed, n);
  switch (kind) {
    case 'normal':
      return normals(seed, n);
    case 'positive':
      return u.map((x) => Math.fround(0.5 + 1.5 * x));
    case 'unit':
      return u.map((x) => Math.fround(1.8 * x - 0.9));
    case 'nonzero':
      return normals(seed, n).map((x) => Math.fround(x >= 0 ? x + 0.1 : x - 0.1));
    case 'distinct': {
      // a permutation of a centred grid: all values distinct, well apart
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a] - u[b]);
      const out = new Float64Array(n);
      order.forEach((slot, rank) => (out[slot] = Math.fround((rank - (n - 1) / 2) * 0.05)));
      return out;
    }
    case 'int':
      return u.map((x) => Math.floor(x * (spec.high ?? 4)));
    case 'bool':
      return u.map((x) => (x < 0.5 ? 1 : 0));
  }
}
