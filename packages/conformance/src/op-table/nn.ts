import { crossEntropy, layerNorm, logSoftmax, mseLoss, mul, rmsNorm, scaledDotProductAttention, softmax } from '@peftjs/core';
import { map, transpose, type Nd } from '../oracle/nd.js';
import * as nn from '../oracle/nn.js';
import { f, literal, type OpEntry } from './entry.js';

const scaled = (x: Nd, k: number) => map(x, (v) => v * k);

const target = (shape: number[], values: number[]) => literal(shape, values, 'int32');

const softmaxes: OpEntry[] = [
  { name: 'softmax dim -1', inputs: [f([2, 3, 5])], fn: (x) => softmax(x, -1), oracle: (x) => nn.softmax(x, -1) },
  { name: 'softmax dim 0', inputs: [f([3, 4, 2])], fn: (x) => softmax(x, 0), oracle: (x) => nn.softmax(x, 0) },
  { name: 'softmax dim 1', inputs: [f([2, 3, 4])], fn: (x) => softmax(x, 1), oracle: (x) => nn.softmax(x, 1) },
  // exp overflows float32 above 88 unless the row max is subtracted; the gradient there is ~0, so forward only
  {
    name: 'softmax of large values',
    inputs: [f([2, 5])],
    fn: (x) => softmax(mul(x, 100), -1),
    grad: false,
    oracle: (x) => nn.softmax(scaled(x, 100), -1),
  },
  {
    name: 'softmax of moderately large values',
    inputs: [f([2, 5])],
    fn: (x) => softmax(mul(x, 5), -1),
    oracle: (x) => nn.softmax(scaled(x, 5), -1),
  },
  { name: 'softmax 1-D', inputs: [f([6])], fn: (x) => softmax(x), oracle: (x) => nn.softmax(x, -1) },
  { name: 'logSoftmax dim -1', inputs: [f([2, 3, 5])], fn: (x) => logSoftmax(x, -1), oracle: (x) => nn.logSoftmax(x, -1) },
  { name: 'logSoftmax dim 1', inputs: [f([2, 4, 3])], fn: (x) => logSoftmax(x, 1), oracle: (x) => nn.logSoftmax(x, 1) },
  {
    name: 'logSoftmax of large values',
    inputs: [f([2, 5])],
    fn: (x) => logSoftmax(mul(x, 100), -1),
    oracle: (x) => nn.logSoftmax(scaled(x, 100), -1),
  },
];

const norms: OpEntry[] = [
  {
    name: 'layerNorm with weight and bias',
    inputs: [f([2, 3, 8]), f([8]), f([8])],
    fn: (x, w, b) => layerNorm(x, [8], w, b, 1e-5),
    oracle: (x, w, b) => nn.layerNorm(x, 1, w, b, 1e-5),
  },
  {
    name: 'layerNorm without weight or bias',
    inputs: [f([4, 6])],
    fn: (x) => layerNorm(x, [6]),
    oracle: (x) => nn.layerNorm(x, 1, null, null, 1e-5),
  },
  {
    name: 'layerNorm with weight only',
    inputs: [f([3, 5]), f([5])],
    fn: (x, w) => layerNorm(x, [5], w, null),
    oracle: (x, w) => nn.layerNorm(x, 1, w, null, 1e-5),
  },
  {
    name: 'layerNorm over two axes',
    inputs: [f([2, 3, 4]), f([3, 4]), f([3, 4])],
    fn: (x, w, b) => layerNorm(x, [3, 4], w, b, 1e-3),
    oracle: (x, w, b) => nn.layerNorm(x, 2, w, b, 1e-3),
  },
  {
    name: 'layerNorm of a transposed view',
    inputs: [f([6, 3])],
    fn: (x) => layerNorm(x.transpose(0, 1), [6]),
    oracle: (x) => nn.layerNorm(transpose(x, 0, 1), 1, null, null, 1e-5),
  },
  {
    name: 'rmsNorm with weight',
    inputs: [f([2, 3, 8]), f([8])],
    fn: (x, w) => rmsNorm(x, [8], w, 1e-6),
    oracle: (x, w) => nn.rmsNorm(x, 1, w, 1e-6),
  },
  { name: 'rmsNorm without weight', inputs: [f([4, 6])], fn: (x) => rmsNorm(x, [6]), oracle: (x) => nn.rmsNorm(x, 1, null, 1e-6) },
  {
    name: 'rmsNorm over two axes',
    inputs: [f([2, 3, 4]), f([3, 4])],
    fn: (x, w) => rmsNorm(x, [3, 4], w, 1e-5),
    oracle: (x, w) => nn.rmsNorm(x, 2, w, 1e-5),
  },
];

const losses: OpEntry[] = [
  {
    name: 'crossEntropy mean with ignoreIndex',
    inputs: [f([6, 5]), target([6], [1, 4, -100, 0, 2, -100])],
    fn: (l, t) => crossEntropy(l, t),
    oracle: (l, t) => nn.crossEntropy(l, t),
  },
  {
    name: 'crossEntropy custom ignoreIndex',
    inputs: [f([5, 4]), target([5], [2, 0, 2, 3, 1])],
    fn: (l, t) => crossEntropy(l, t, { ignoreIndex: 2 }),
    oracle: (l, t) => nn.crossEntropy(l, t, { ignoreIndex: 2 }),
  },
  {
    name: 'crossEntropy labelSmoothing',
    inputs: [f([6, 5]), target([6], [1, 4, -100, 0, 2, 3])],
    fn: (l, t) => crossEntropy(l, t, { labelSmoothing: 0.1 }),
    oracle: (l, t) => nn.crossEntropy(l, t, { labelSmoothing: 0.1 }),
  },
  {
    name: 'crossEntropy sum',
    inputs: [f([4, 3]), target([4], [0, 2, 1, 2])],
    fn: (l, t) => crossEntropy(l, t, { reduction: 'sum' }),
    oracle: (l, t) => nn.crossEntropy(l, t, { reduction: 'sum' }),
  },
  {
    name: 'crossEntropy none with labelSmoothing',
    inputs: [f([4, 3]), target([4], [0, -100, 1, 2])],
    fn: (l, t) => crossEntropy(l, t, { reduction: 'none', labelSmoothing: 0.2 }),
    oracle: (l, t) => nn.crossEntropy(l, t, { reduction: 'none', labelSmoothing: 0.2 }),
  },
  {
    name: 'crossEntropy 3-D logits',
    inputs: [f([2, 3, 5]), target([2, 3], [4, 0, 1, -100, 3, 3])],
    fn: (l, t) => crossEntropy(l, t),
    oracle: (l, t) => nn.crossEntropy(l, t),
  },
  {
    name: 'crossEntropy with every target ignored (NaN, as PyTorch)',
    inputs: [f([2, 3]), target([2], [-100, -100])],
    fn: (l, t) => crossEntropy(l, t),
    grad: false,
    oracle: (l, t) => nn.crossEntropy(l, t),
  },
  { name: 'mseLoss mean', inputs: [f([3, 4]), f([3, 4])], fn: (a, b) => mseLoss(a, b), oracle: (a, b) => nn.mseLoss(a, b) },
  {
    name: 'mseLoss sum',
    inputs: [f([3, 4]), f([3, 4])],
    fn: (a, b) => mseLoss(a, b, { reduction: 'sum' }),
    oracle: (a, b) => nn.mseLoss(a, b, 'sum'),
  },
  {
    name: 'mseLoss none',
    inputs: [f([3, 4]), f([3, 4])],
    fn: (a, b) => mseLoss(a, b, { reduction: 'none' }),
    oracle: (a, b) => nn.mseLoss(a, b, 'none'),
  },
];

// a bool mask (true = may attend) with at least one allowed key per query
const boolMask = [true, false, true, false, true, true, false, false, false, true, true, true, true, false, false, true];

const attention: OpEntry[] = [
  {
    name: 'attention causal',
    inputs: [f([2, 2, 4, 3]), f([2, 2, 4, 3]), f([2, 2, 4, 3])],
    fn: (q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true }),
    oracle: (q, k, v) => nn.attention(q, k, v, { isCausal: true }),
  },
  {
    name: 'attention without mask',
    inputs: [f([2, 4, 3]), f([2, 5, 3]), f([2, 5, 2])],
    fn: (q, k, v) => scaledDotProductAttention(q, k, v),
    oracle: (q, k, v) => nn.attention(q, k, v),
  },
  {
    name: 'attention bool mask',
    inputs: [f([2, 4, 3]), f([2, 4, 3]), f([2, 4, 3]), literal([4, 4], boolMask, 'bool')],
    fn: (q, k, v, m) => scaledDotProductAttention(q, k, v, { attnMask: m }),
    oracle: (q, k, v, m) => nn.attention(q, k, v, { mask: { values: m, kind: 'bool' } }),
  },
  {
    name: 'attention additive mask',
    inputs: [f([2, 4, 3]), f([2, 4, 3]), f([2, 4, 3]), f([1, 4, 4], 'normal', false)],
    fn: (q, k, v, m) => scaledDotProductAttention(q, k, v, { attnMask: m }),
    oracle: (q, k, v, m) => nn.attention(q, k, v, { mask: { values: m, kind: 'additive' } }),
  },
  {
    name: 'attention causal with more keys than queries',
    inputs: [f([2, 3, 4]), f([2, 5, 4]), f([2, 5, 4])],
    fn: (q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true }),
    oracle: (q, k, v) => nn.attention(q, k, v, { isCausal: true }),
  },
  {
    name: 'attention with scale',
    inputs: [f([1, 3, 4]), f([1, 3, 4]), f([1, 3, 4])],
    fn: (q, k, v) => scaledDotProductAttention(q, k, v, { scale: 0.3, isCausal: true }),
    oracle: (q, k, v) => nn.attention(q, k, v, { scale: 0.3, isCausal: true }),
  },
];

export const nnEntries: OpEntry[] = [...softmaxes, ...norms, ...losses, ...attention].map((e): OpEntry => ({ kind: 'reduction', ...e }));
