import { argmax, countNonzero, max, mean, min, sum, sumToShape } from '@peftjs/core';
import { map, nd, permute, reduce, total, type Nd } from '../oracle/nd.js';
import { bool, f, int, literal, type OpEntry } from './entry.js';

const x3 = [f([2, 3, 4], 'distinct')];

type Dims = number | number[] | undefined;
const sumOf =
  (dims?: Dims, keep = false) =>
  (x: Nd) =>
    reduce(x, dims, keep, total);
const meanOf =
  (dims?: Dims, keep = false) =>
  (x: Nd) =>
    reduce(x, dims, keep, (v) => total(v) / v.length);
const maxOf =
  (dims?: Dims, keep = false) =>
  (x: Nd) =>
    reduce(x, dims, keep, (v) => Math.max(...v));
const minOf =
  (dims?: Dims, keep = false) =>
  (x: Nd) =>
    reduce(x, dims, keep, (v) => Math.min(...v));
/** The first position of the largest value (over the flattened array when dims is undefined). */
const argmaxOf =
  (dims?: number, keep = false) =>
  (x: Nd) =>
    reduce(x, dims, keep, (v) => v.indexOf(Math.max(...v)));

const rows: OpEntry[] = [
  { name: 'sum all', inputs: x3, fn: (x) => sum(x), oracle: sumOf() },
  { name: 'sum dim -1', inputs: x3, fn: (x) => sum(x, -1), oracle: sumOf(-1) },
  { name: 'sum dims [0,2] keepdim', inputs: x3, fn: (x) => sum(x, [0, 2], true), oracle: sumOf([0, 2], true) },
  { name: 'sum dim 1 keepdim', inputs: x3, fn: (x) => sum(x, 1, true), oracle: sumOf(1, true) },
  {
    name: 'sum over a permuted view',
    inputs: x3,
    fn: (x) => sum(x.permute([2, 0, 1]), 1),
    oracle: (x) => reduce(permute(x, [2, 0, 1]), 1, false, total),
  },
  { name: 'sum of a scalar over no axes', inputs: [f([])], fn: (x) => sum(x), oracle: (x) => x },
  { name: 'sum over an empty axis', inputs: [f([3, 0])], fn: (x) => sum(x, 1), oracle: () => nd([0, 0, 0], [3]) },
  {
    name: 'max with a tie (gradient split evenly)',
    inputs: [literal([2, 4], [1, 3, 3, 2, -1, -4, -2, -3], 'float', true)],
    fn: (x) => max(x, 1),
    oracle: maxOf(1),
  },
  { name: 'min with a tie', inputs: [literal([4], [2, -1, 5, -1], 'float', true)], fn: (x) => min(x), oracle: minOf() },
  { name: 'mean all', inputs: x3, fn: (x) => mean(x), oracle: meanOf() },
  { name: 'mean dim 1', inputs: x3, fn: (x) => mean(x, 1), oracle: meanOf(1) },
  { name: 'mean dims [0,2] keepdim', inputs: x3, fn: (x) => mean(x, [0, 2], true), oracle: meanOf([0, 2], true) },
  { name: 'max all', inputs: x3, fn: (x) => max(x), oracle: maxOf() },
  { name: 'max dim 1', inputs: x3, fn: (x) => max(x, 1), oracle: maxOf(1) },
  { name: 'max dims [0,2] keepdim', inputs: x3, fn: (x) => max(x, [0, 2], true), oracle: maxOf([0, 2], true) },
  { name: 'min all', inputs: x3, fn: (x) => min(x), oracle: minOf() },
  { name: 'min dim 0', inputs: x3, fn: (x) => min(x, 0), oracle: minOf(0) },
  { name: 'min dim -1 keepdim', inputs: x3, fn: (x) => min(x, -1, true), oracle: minOf(-1, true) },
  { name: 'argmax all', inputs: x3, fn: (x) => argmax(x), grad: false, oracle: argmaxOf() },
  { name: 'argmax dim 1', inputs: x3, fn: (x) => argmax(x, 1), grad: false, oracle: argmaxOf(1) },
  { name: 'argmax dim -1 keepdim', inputs: x3, fn: (x) => argmax(x, -1, true), grad: false, oracle: argmaxOf(-1, true) },
  { name: 'argmax int32', inputs: [int([3, 5], 100)], fn: (x) => argmax(x, 1), oracle: argmaxOf(1) },
  { name: 'sum int32', inputs: [int([3, 5], 9)], fn: (x) => sum(x, 0), oracle: sumOf(0) },
  { name: 'sum bool counts', inputs: [bool([3, 5])], fn: (x) => sum(x, 1), oracle: sumOf(1) },
  {
    name: 'sumToShape (undo broadcasting)',
    inputs: x3,
    fn: (x) => sumToShape(x, [3, 1]),
    oracle: (x) => reduce(reduce(x, 0, false, total), 1, true, total),
  },
  {
    name: 'countNonzero',
    inputs: [bool([3, 5])],
    fn: countNonzero,
    oracle: (x) =>
      reduce(
        map(x, (v) => Number(v !== 0)),
        undefined,
        false,
        total,
      ),
  },
  { name: 'max int32', inputs: [int([3, 5], 50)], fn: (x) => max(x, 1), oracle: maxOf(1) },
];

export const reductionEntries: OpEntry[] = rows.map((e): OpEntry => ({ kind: 'reduction', ...e }));
