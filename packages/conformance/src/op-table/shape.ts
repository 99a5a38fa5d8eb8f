import {
  cat, chunk, concat, contiguous, clone, detach, embedding, expand, flatten, indexAdd, indexSelect, narrow, permute, reshape, slice,
  sliceScatter, split, squeeze, stack, transpose, unsqueeze, view, mul,
} from '@peftjs/core';
import { f, literal, type OpEntry } from './entry.js';

const x3 = [f([2, 3, 4])];
const idx = (shape: number[], values: number[]) => literal(shape, values, 'int32');

const views: OpEntry[] = [
  { name: 'reshape', inputs: x3, fn: (x) => reshape(x, [4, 6]) },
  { name: 'reshape with -1', inputs: x3, fn: (x) => reshape(x, [-1, 2]) },
  { name: 'reshape of a transposed view (copies)', inputs: x3, fn: (x) => reshape(transpose(x, 1, 2), [4, 6]) },
  { name: 'view', inputs: x3, fn: (x) => view(x, [6, 4]) },
  { name: 'flatten', inputs: x3, fn: (x) => flatten(x) },
  { name: 'flatten dims 1..2', inputs: x3, fn: (x) => flatten(x, 1, 2) },
  { name: 'permute', inputs: x3, fn: (x) => permute(x, [2, 0, 1]) },
  { name: 'transpose 0 2', inputs: x3, fn: (x) => transpose(x, 0, 2) },
  { name: 'transpose default (last two)', inputs: x3, fn: (x) => transpose(x) },
  { name: 'expand', inputs: [f([3, 1])], fn: (x) => expand(x, [2, 3, 4]) },
  { name: 'expand with -1', inputs: [f([1, 4])], fn: (x) => expand(x, [3, -1]) },
  { name: 'expandAs', inputs: [f([4]), f([3, 4], 'normal', false)], fn: (x, y) => x.expandAs(y) },
  { name: 'slice', inputs: x3, fn: (x) => slice(x, 1, 1, 3) },
  { name: 'slice with step', inputs: [f([3, 5, 6])], fn: (x) => slice(x, 2, 0, undefined, 2) },
  { name: 'slice with negative start', inputs: x3, fn: (x) => slice(x, -1, -3) },
  { name: 'slice of a slice', inputs: [f([3, 7])], fn: (x) => slice(slice(x, 1, 1, 7, 2), 0, 1) },
  { name: 'narrow', inputs: x3, fn: (x) => narrow(x, 2, 1, 2) },
  { name: 'squeeze all', inputs: [f([1, 3, 1, 4])], fn: (x) => squeeze(x) },
  { name: 'squeeze dim', inputs: [f([1, 3, 1, 4])], fn: (x) => squeeze(x, 2) },
  { name: 'unsqueeze 0', inputs: x3, fn: (x) => unsqueeze(x, 0) },
  { name: 'unsqueeze -1', inputs: x3, fn: (x) => unsqueeze(x, -1) },
  { name: 'contiguous of a transposed view', inputs: x3, fn: (x) => contiguous(transpose(x, 0, 2)) },
  { name: 'clone', inputs: x3, fn: (x) => clone(x) },
  { name: 'detach', inputs: x3, fn: (x) => detach(x), grad: false },
  { name: 'slice with step and an uneven end', inputs: [f([2, 6])], fn: (x) => slice(x, 1, 1, 6, 2) },
  { name: 'slice past the end (clamped)', inputs: [f([2, 4])], fn: (x) => slice(x, 1, 2, 10) },
  { name: 'slice of a transposed view', inputs: [f([4, 5])], fn: (x) => slice(transpose(x, 0, 1), 0, 1, 4) },
  { name: 'permute of a slice', inputs: x3, fn: (x) => permute(slice(x, 2, 1, 3), [1, 2, 0]) },
  { name: 'reshape of an expanded view (copies)', inputs: [f([3, 1])], fn: (x) => reshape(expand(x, [3, 4]), [2, 6]) },
  { name: 'unsqueeze of a transposed view', inputs: [f([3, 4])], fn: (x) => unsqueeze(transpose(x, 0, 1), 1) },
  { name: 'squeeze of a sliced view', inputs: [f([3, 4])], fn: (x) => squeeze(slice(x, 1, 2, 3)) },
  { name: 'a view used twice', inputs: [f([3, 4])], fn: (x) => mul(transpose(x, 0, 1), transpose(x, 0, 1)) },
];

const joins: OpEntry[] = [
  { name: 'concat dim 0', inputs: [f([1, 4]), f([2, 4]), f([3, 4])], fn: (a, b, c) => concat([a, b, c], 0) },
  { name: 'concat dim -1', inputs: [f([2, 3, 2]), f([2, 3, 1])], fn: (a, b) => concat([a, b], -1) },
  { name: 'concat of views', inputs: [f([4, 3]), f([3, 2])], fn: (a, b) => concat([transpose(a, 0, 1), slice(b, 1, 0, 1).expand([3, 4])], 1) },
  { name: 'cat (alias of concat)', inputs: [f([2, 2]), f([2, 3])], fn: (a, b) => cat([a, b], 1) },
  { name: 'concat with an empty tensor', inputs: [f([2, 0]), f([2, 3])], fn: (a, b) => concat([a, b], 1) },
  { name: 'stack dim 1', inputs: [f([2, 3]), f([2, 3])], fn: (a, b) => stack([a, b], 1) },
  { name: 'split sizes', inputs: x3, fn: (x) => split(x, [1, 2], 1) },
  { name: 'split equal chunks', inputs: x3, fn: (x) => split(x, 2, 2) },
  { name: 'chunk', inputs: [f([7, 2])], fn: (x) => chunk(x, 3, 0) },
  { name: 'sliceScatter', inputs: [f([2, 4, 3]), f([2, 2, 3])], fn: (x, s) => sliceScatter(x, s, 1, 1, 3) },
  { name: 'sliceScatter with step', inputs: [f([2, 5, 3]), f([2, 2, 3])], fn: (x, s) => sliceScatter(x, s, 1, 0, 3, 2) },
];

const indexing: OpEntry[] = [
  { name: 'indexSelect dim 0 with repeats', inputs: [f([5, 4]), idx([4], [3, 0, 3, 4])], fn: (x, i) => indexSelect(x, 0, i) },
  { name: 'indexSelect dim 1 with a 2-D index', inputs: [f([2, 5, 3]), idx([2, 2], [4, 1, 1, 0])], fn: (x, i) => indexSelect(x, 1, i) },
  { name: 'embedding', inputs: [idx([2, 3], [1, 3, 3, 5, 0, 3]), f([6, 4])], fn: (i, w) => embedding(i, w) },
  { name: 'indexAdd with repeats', inputs: [f([5, 3]), idx([4], [1, 4, 1, 0]), f([4, 3])], fn: (x, i, s) => indexAdd(x, 0, i, s) },
  { name: 'indexAdd dim 1', inputs: [f([2, 4]), idx([3], [3, 3, 0]), f([2, 3])], fn: (x, i, s) => indexAdd(x, 1, i, s) },
];

export const shapeEntries: OpEntry[] = [...views, ...joins, ...indexing];
