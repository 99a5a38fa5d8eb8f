import { argmax, countNonzero, max, mean, min, sum, sumToShape } from '@peftjs/core';
import { bool, f, int, literal, type OpEntry } from './entry.js';

const x3 = [f([2, 3, 4], 'distinct')];

const rows: OpEntry[] = [
  { name: 'sum all', inputs: x3, fn: (x) => sum(x) },
  { name: 'sum dim -1', inputs: x3, fn: (x) => sum(x, -1) },
  { name: 'sum dims [0,2] keepdim', inputs: x3, fn: (x) => sum(x, [0, 2], true) },
  { name: 'sum dim 1 keepdim', inputs: x3, fn: (x) => sum(x, 1, true) },
  { name: 'sum over a permuted view', inputs: x3, fn: (x) => sum(x.permute([2, 0, 1]), 1) },
  { name: 'sum of a scalar over no axes', inputs: [f([])], fn: (x) => sum(x) },
  { name: 'sum over an empty axis', inputs: [f([3, 0])], fn: (x) => sum(x, 1) },
  { name: 'max with a tie (gradient split evenly)', inputs: [literal([2, 4], [1, 3, 3, 2, -1, -4, -2, -3], 'float', true)], fn: (x) => max(x, 1) },
  { name: 'min with a tie', inputs: [literal([4], [2, -1, 5, -1], 'float', true)], fn: (x) => min(x) },
  { name: 'mean all', inputs: x3, fn: (x) => mean(x) },
  { name: 'mean dim 1', inputs: x3, fn: (x) => mean(x, 1) },
  { name: 'mean dims [0,2] keepdim', inputs: x3, fn: (x) => mean(x, [0, 2], true) },
  { name: 'max all', inputs: x3, fn: (x) => max(x) },
  { name: 'max dim 1', inputs: x3, fn: (x) => max(x, 1) },
  { name: 'max dims [0,2] keepdim', inputs: x3, fn: (x) => max(x, [0, 2], true) },
  { name: 'min all', inputs: x3, fn: (x) => min(x) },
  { name: 'min dim 0', inputs: x3, fn: (x) => min(x, 0) },
  { name: 'min dim -1 keepdim', inputs: x3, fn: (x) => min(x, -1, true) },
  { name: 'argmax all', inputs: x3, fn: (x) => argmax(x), grad: false },
  { name: 'argmax dim 1', inputs: x3, fn: (x) => argmax(x, 1), grad: false },
  { name: 'argmax dim -1 keepdim', inputs: x3, fn: (x) => argmax(x, -1, true), grad: false },
  { name: 'argmax int32', inputs: [int([3, 5], 100)], fn: (x) => argmax(x, 1) },
  { name: 'sum int32', inputs: [int([3, 5], 9)], fn: (x) => sum(x, 0) },
  { name: 'sum bool counts', inputs: [bool([3, 5])], fn: (x) => sum(x, 1) },
  { name: 'sumToShape (undo broadcasting)', inputs: x3, fn: (x) => sumToShape(x, [3, 1]) },
  { name: 'countNonzero', inputs: [bool([3, 5])], fn: countNonzero },
  { name: 'max int32', inputs: [int([3, 5], 50)], fn: (x) => max(x, 1) },
];

export const reductionEntries: OpEntry[] = rows.map((e): OpEntry => ({ kind: 'reduction', ...e }));
