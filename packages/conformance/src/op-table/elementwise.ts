import {
  abs,
  add,
  cast,
  cos,
  div,
  eq,
  erf,
  exp,
  ge,
  gelu,
  gt,
  le,
  log,
  logicalAnd,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  relu,
  rsqrt,
  sigmoid,
  sign,
  silu,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  where,
  type Tensor,
} from '@peftjs/core';
import { expand, map, transpose, zip, type Nd } from '../oracle/nd.js';
import { erf as erfOf, gelu as geluOf, geluTanh, sigmoid as sigmoidOf } from '../oracle/special.js';
import type { InputKind } from '../util/inputs.js';
import { bool, f, int, literal, type OpEntry } from './entry.js';

type Scalar = (v: number) => number;
const scalarFns: Record<string, Scalar> = {
  neg: (v) => -v,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (v) => 1 / Math.sqrt(v),
  reciprocal: (v) => 1 / v,
  square: (v) => v * v,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: sigmoidOf,
  relu: (v) => Math.max(v, 0),
  silu: (v) => v * sigmoidOf(v),
  sign: Math.sign,
  gelu: geluOf,
  geluTanh,
  erf: erfOf,
};
/** Elementwise oracles from a JavaScript function of each value (broadcast as NumPy does). */
const map1 = (fn: Scalar) => (x: Nd) => map(x, fn);
const map2 = (fn: (a: number, b: number) => number) => (a: Nd, b: Nd) => zip([a, b], fn);

const unaryRows: [string, (x: Tensor) => Tensor, InputKind][] = [
  ['neg', neg, 'normal'],
  ['abs', abs, 'nonzero'],
  ['exp', exp, 'normal'],
  ['log', log, 'positive'],
  ['sqrt', sqrt, 'positive'],
  ['rsqrt', rsqrt, 'positive'],
  ['reciprocal', reciprocal, 'nonzero'],
  ['square', square, 'normal'],
  ['sin', sin, 'normal'],
  ['cos', cos, 'normal'],
  ['tanh', tanh, 'normal'],
  ['sigmoid', sigmoid, 'normal'],
  ['relu', relu, 'nonzero'],
  ['gelu', (x) => gelu(x), 'normal'],
  ['geluTanh', (x) => gelu(x, { approximate: 'tanh' }), 'normal'],
  ['silu', silu, 'normal'],
  ['sign', sign, 'nonzero'],
  ['erf', erf, 'normal'],
];

const intOps = { neg, abs, square, relu, sign };

const unary: OpEntry[] = [
  ...unaryRows.map(([name, fn, kind]): OpEntry => ({ name, inputs: [f([3, 5], kind)], fn, oracle: map1(scalarFns[name]) })),
  {
    name: 'exp of a transposed view',
    inputs: [f([4, 3])],
    fn: (x) => exp(x.transpose(0, 1)),
    oracle: (x) => map(transpose(x, 0, 1), Math.exp),
  },
  {
    name: 'tanh of a broadcast view',
    inputs: [f([3, 1])],
    fn: (x) => tanh(x.expand([3, 4])),
    oracle: (x) => map(expand(x, [3, 4]), Math.tanh),
  },
  {
    name: 'sigmoid of large inputs',
    inputs: [literal([6], [-90, -20, -1, 1, 20, 90], 'float', true)],
    fn: sigmoid,
    oracle: map1(sigmoidOf),
  },
  { name: 'erf of large inputs', inputs: [literal([6], [-7, -3, -1.5, 1.5, 3, 7], 'float', true)], fn: erf, oracle: map1(erfOf) },
  ...(Object.keys(intOps) as (keyof typeof intOps)[]).map((name): OpEntry => ({
    name: `${name} int32`,
    inputs: [literal([6], [-3, -1, 0, 1, 2, 5], 'int32')],
    fn: intOps[name],
    oracle: map1(scalarFns[name]),
  })),
];

const binaryRows: [string, (a: Tensor, b: Tensor) => Tensor, InputKind, InputKind, (a: number, b: number) => number][] = [
  ['add', add, 'normal', 'normal', (a, b) => a + b],
  ['sub', sub, 'normal', 'normal', (a, b) => a - b],
  ['mul', mul, 'normal', 'normal', (a, b) => a * b],
  ['div', div, 'normal', 'nonzero', (a, b) => a / b],
  ['pow', pow, 'positive', 'normal', (a, b) => a ** b],
  ['maximum', maximum, 'normal', 'normal', Math.max],
  ['minimum', minimum, 'normal', 'normal', Math.min],
];

const binary: OpEntry[] = binaryRows.flatMap(([name, fn, ka, kb, js]): OpEntry[] => [
  { name: `${name} same shape`, inputs: [f([3, 4], ka), f([3, 4], kb)], fn, oracle: map2(js) },
  { name: `${name} broadcast [2,3,4] and [3,1]`, inputs: [f([2, 3, 4], ka), f([3, 1], kb)], fn, oracle: map2(js) },
  { name: `${name} broadcast [4] and [2,3,1]`, inputs: [f([4], ka), f([2, 3, 1], kb)], fn, oracle: map2(js) },
]);

const sum2 = map2((a, b) => a + b);
const scalars: OpEntry[] = [
  { name: 'add scalar', inputs: [f([3, 4])], fn: (x) => add(x, 2.5), oracle: map1((v) => v + 2.5) },
  { name: 'sub from scalar', inputs: [f([3, 4])], fn: (x) => sub(1.5, x), oracle: map1((v) => 1.5 - v) },
  { name: 'mul scalar', inputs: [f([3, 4])], fn: (x) => mul(x, -3), oracle: map1((v) => -3 * v) },
  { name: 'div scalar by tensor', inputs: [f([3, 4], 'nonzero')], fn: (x) => div(2, x), oracle: map1((v) => 2 / v) },
  { name: 'pow scalar exponent', inputs: [f([3, 4])], fn: (x) => pow(x, 3), oracle: map1((v) => v ** 3) },
  { name: 'pow scalar base', inputs: [f([3, 4])], fn: (x) => pow(2, x), oracle: map1((v) => 2 ** v) },
  { name: 'maximum with 0', inputs: [f([3, 4], 'nonzero')], fn: (x) => maximum(x, 0), oracle: map1((v) => Math.max(v, 0)) },
  {
    name: 'maximum with ties (gradient split evenly)',
    inputs: [literal([4], [1, 2, 3, 4], 'float', true), literal([4], [1, 5, 3, 0], 'float', true)],
    fn: maximum,
    oracle: map2(Math.max),
  },
  { name: 'exp of a 0-d tensor', inputs: [f([])], fn: exp, oracle: map1(Math.exp) },
  { name: 'add 0-d and [3]', inputs: [f([]), f([3])], fn: add, oracle: sum2 },
  {
    name: 'add float32 and float64 (promotion)',
    inputs: [f([3]), f([3])],
    fn: (a, b) => cast(add(a, cast(b, 'float64')), a.dtype),
    needsFloat64: true,
    oracle: sum2,
  },
  { name: 'add float and int32 (promotion)', inputs: [f([3, 4]), int([4], 5)], fn: add, oracle: sum2 },
  { name: 'mul int32 and int32', inputs: [int([3, 4], 7), int([4], 5)], fn: mul, oracle: map2((a, b) => a * b) },
  { name: 'sub int32 and scalar', inputs: [int([3, 4], 7)], fn: (x) => sub(x, 2), oracle: map1((v) => v - 2) },
];

const compareOps = { eq, ne, lt, le, gt, ge };
const compareJs: Record<keyof typeof compareOps, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};
const comparisons: OpEntry[] = (Object.keys(compareOps) as (keyof typeof compareOps)[]).flatMap((name): OpEntry[] => [
  {
    name: `${name} broadcast int32`,
    inputs: [int([3, 4], 3), int([4], 3)],
    fn: compareOps[name],
    oracle: map2((a, b) => Number(compareJs[name](a, b))),
  },
  {
    name: `${name} int32 same shape`,
    inputs: [int([3, 4], 3), int([3, 4], 3)],
    fn: compareOps[name],
    oracle: map2((a, b) => Number(compareJs[name](a, b))),
  },
  {
    name: `${name} float with scalar`,
    inputs: [f([3, 4], 'distinct')],
    fn: (x) => compareOps[name](x, 0),
    grad: false,
    oracle: map1((v) => Number(compareJs[name](v, 0))),
  },
  {
    name: `${name} float broadcast`,
    inputs: [literal([2, 3], [0, 1, 2, 3, 4, 5]), literal([3], [1, 1, 5])],
    fn: compareOps[name],
    oracle: map2((a, b) => Number(compareJs[name](a, b))),
  },
]);

const selection: OpEntry[] = [
  {
    name: 'where broadcast',
    inputs: [bool([3, 1]), f([3, 4]), f([4])],
    fn: where,
    oracle: (c, a, b) => zip([c, a, b], (cv, av, bv) => (cv ? av : bv)),
  },
  { name: 'where with scalar', inputs: [bool([3, 4]), f([3, 4])], fn: (c, a) => where(c, a, 0), oracle: map2((c, a) => (c ? a : 0)) },
  {
    name: 'where from a comparison',
    inputs: [f([2, 5], 'nonzero'), f([2, 5])],
    fn: (x, y) => where(gt(x, 0), x, y),
    oracle: map2((x, y) => (x > 0 ? x : y)),
  },
  { name: 'logicalAnd', inputs: [bool([3, 4]), bool([4])], fn: logicalAnd, oracle: map2((a, b) => Number(a !== 0 && b !== 0)) },
];

const casts: OpEntry[] = [
  {
    name: 'cast float to int32 (truncates)',
    inputs: [literal([6], [-2.75, -0.5, 0, 0.5, 1.875, 3.25])],
    fn: (x) => cast(x, 'int32'),
    oracle: map1(Math.trunc),
  },
  {
    name: 'cast float to bool',
    inputs: [literal([5], [-1, 0, 0.25, 2, 0])],
    fn: (x) => cast(x, 'bool'),
    oracle: map1((v) => Number(v !== 0)),
  },
  { name: 'cast int32 to float32', inputs: [int([3, 4], 9)], fn: (x) => cast(x, 'float32'), oracle: map1((v) => v) },
  { name: 'cast bool to float32', inputs: [bool([3, 4])], fn: (x) => cast(x, 'float32'), oracle: map1((v) => v) },
  { name: 'cast bool to int32', inputs: [bool([3, 4])], fn: (x) => cast(x, 'int32'), oracle: map1((v) => v) },
  {
    name: 'cast to float64 and back',
    inputs: [f([3, 4])],
    fn: (x) => cast(mul(cast(x, 'float64'), 2), x.dtype),
    needsFloat64: true,
    oracle: map1((v) => 2 * v),
  },
];

const methods: OpEntry[] = [
  {
    name: 'tensor methods',
    inputs: [f([3, 4]), f([4], 'positive')],
    fn: (x, y) => x.mul(y).add(1).sub(y).div(y).pow(2).sqrt().neg().abs().exp().log(),
    oracle: map2((x, y) => Math.log(Math.exp(Math.abs(-Math.sqrt(((x * y + 1 - y) / y) ** 2))))),
  },
  {
    name: 'tensor methods (activations)',
    inputs: [f([3, 4])],
    fn: (x) =>
      x
        .sigmoid()
        .add(x.tanh())
        .add(x.relu())
        .add(x.silu())
        .add(x.gelu({ approximate: 'tanh' }))
        .add(x.square().reciprocal().rsqrt())
        .add(x.sin().mul(x.cos())),
    oracle: map1(
      (x) =>
        sigmoidOf(x) +
        Math.tanh(x) +
        Math.max(x, 0) +
        x * sigmoidOf(x) +
        geluTanh(x) +
        1 / Math.sqrt(1 / (x * x)) +
        Math.sin(x) * Math.cos(x),
    ),
  },
];

export const elementwiseEntries: OpEntry[] = [...unary, ...binary, ...scalars, ...comparisons, ...selection, ...casts, ...methods];
