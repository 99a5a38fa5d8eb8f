import {
  concat,
  crossEntropy,
  embedding,
  gelu,
  layerNorm,
  logSoftmax,
  matmul,
  mean,
  permute,
  reshape,
  rmsNorm,
  scaledDotProductAttention,
  slice,
  softmax,
  sum,
  max,
  min,
  tensor,
  transpose,
  binary,
  unary,
  UNARY_OPS,
  ARITHMETIC_OPS,
  type Tensor,
  type UnaryOp,
  type ArithmeticOp,
  type Shape,
} from '@peftjs/core';
import { applyChain, parseIndex } from './expressions.js';

/** A case's entry in ops/index.json: `inputs` names the differentiable tensors; the rest are parameters. */
export interface GoldenParams {
  readonly inputs: readonly string[];
  readonly [key: string]: unknown;
}

/** Builds the op's output from the case's input tensors (on the active backend, in their dtype). */
export type GoldenRunner = (x: Record<string, Tensor>, p: GoldenParams, outShape: Shape) => Tensor;

const num = (p: GoldenParams, key: string, fallback?: number): number => {
  const v = p[key] ?? fallback;
  if (typeof v !== 'number') throw new Error(`golden parameter '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
};
const dims = (p: GoldenParams, key: string): number | number[] | undefined => p[key] as number | number[] | undefined;
const only = (x: Record<string, Tensor>, p: GoldenParams): Tensor => x[p.inputs[0]];
const pair = (x: Record<string, Tensor>, p: GoldenParams): [Tensor, Tensor] => [x[p.inputs[0]], x[p.inputs[1]]];

function reduction(op: 'sum' | 'mean' | 'max' | 'min'): GoldenRunner {
  const fn = { sum, mean, max, min }[op];
  return (x, p) => fn(only(x, p), dims(p, 'dim'), (p.keepdim as boolean | undefined) ?? false);
}

/** Exact case names first; then name patterns (`add_broadcast` → add, `sum_axes` → sum). */
const EXACT: Record<string, GoldenRunner> = {
  gelu_exact: (x, p) => gelu(only(x, p), { approximate: 'none' }),
  gelu_tanh: (x, p) => gelu(only(x, p), { approximate: 'tanh' }),
  gelu: (x, p) => gelu(only(x, p), { approximate: p.approximate === 'tanh' ? 'tanh' : 'none' }),
  softmax: (x, p) => softmax(only(x, p), num(p, 'dim', -1)),
  log_softmax: (x, p) => logSoftmax(only(x, p), num(p, 'dim', -1)),
  concat: (x, p) =>
    concat(
      p.inputs.map((n) => x[n]),
      num(p, 'dim', 0),
    ),
  permute: (x, p) => permute(only(x, p), p.dims as number[]),
  transpose: (x, p) => {
    const [a, b] = (p.dims as number[] | undefined) ?? [-2, -1];
    return transpose(only(x, p), a, b);
  },
  reshape: (x, p, outShape) => {
    const note = typeof p.note === 'string' ? p.note : '';
    return note.includes('x.') ? applyChain(only(x, p), note) : reshape(only(x, p), outShape);
  },
  slice: (x, p) => {
    let t = only(x, p);
    const parts = parseIndex(String(p.index));
    parts.forEach((s, axis) => {
      if (s.start === 0 && s.end === undefined && s.step === 1) return;
      const next = slice(t, axis, s.start, s.end, s.step);
      if (t !== only(x, p)) t.dispose();
      t = next;
    });
    return t;
  },
  embedding: (x, p) => {
    const indices = tensor(p.indices as number[], { dtype: 'int32' });
    return embedding(indices, only(x, p));
  },
  layer_norm: (x, p) => {
    const [input, w, b] = p.inputs.map((n) => x[n]);
    const shape = (p.normalized_shape as number[] | undefined) ?? [input.shape[input.rank - 1]];
    return layerNorm(input, shape, w ?? null, b ?? null, num(p, 'eps', 1e-5));
  },
  rms_norm: (x, p) => {
    const [input, w] = p.inputs.map((n) => x[n]);
    const shape = (p.normalized_shape as number[] | undefined) ?? (w ? [...w.shape] : [input.shape[input.rank - 1]]);
    return rmsNorm(input, shape, w ?? null, num(p, 'eps', 1e-6));
  },
};

const PATTERNS: [RegExp, (name: string) => GoldenRunner][] = [
  [
    /^cross_entropy(_|$)/,
    () => (x, p) => {
      const logits = only(x, p);
      const target = tensor(p.target as number[], { dtype: 'int32', shape: logits.shape.slice(0, -1) });
      const reductionKind = typeof p.reduction === 'string' && /sum|none/.test(p.reduction) ? (p.reduction as 'sum' | 'none') : 'mean';
      return crossEntropy(logits, target, {
        ignoreIndex: num(p, 'ignore_index', -100),
        labelSmoothing: num(p, 'label_smoothing', 0),
        reduction: reductionKind,
      });
    },
  ],
  [
    /^(causal_)?attention(_|$)/,
    (name) => (x, p) => {
      const [q, k, v] = p.inputs.map((n) => x[n]);
      return scaledDotProductAttention(q, k, v, { isCausal: name.startsWith('causal') || p.is_causal === true });
    },
  ],
  [/^matmul(_|$)/, () => (x, p) => matmul(...pair(x, p))],
  [/^(sum|mean|max|min)(_|$)/, (name) => reduction(name.split('_')[0] as 'sum' | 'mean' | 'max' | 'min')],
  [
    /^[a-z]+(_broadcast)?$/,
    (name) => {
      const op = name.replace(/_broadcast$/, '');
      if ((ARITHMETIC_OPS as readonly string[]).includes(op)) return (x, p) => binary(op as ArithmeticOp, ...pair(x, p));
      if ((UNARY_OPS as readonly string[]).includes(op)) return (x, p) => unary(op as UnaryOp, only(x, p));
      return undefined as unknown as GoldenRunner;
    },
  ],
];

/** The runner for a golden case name, or undefined when peft.js has none. */
export function goldenRunner(name: string): GoldenRunner | undefined {
  if (EXACT[name]) return EXACT[name];
  for (const [pattern, make] of PATTERNS)
    if (pattern.test(name)) {
      const r = make(name);
      if (r) return r;
    }
  return undefined;
}
