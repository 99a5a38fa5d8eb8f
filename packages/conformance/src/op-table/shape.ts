import {
  cat,
  chunk,
  concat,
  contiguous,
  clone,
  detach,
  embedding,
  expand,
  flatten,
  indexAdd,
  indexSelect,
  narrow,
  permute,
  reshape,
  slice,
  sliceScatter,
  split,
  squeeze,
  stack,
  transpose,
  unsqueeze,
  view,
  mul,
} from '@peftjs/core';
import * as o from '../oracle/nd.js';
import { f, literal, type OpEntry } from './entry.js';

type Nd = o.Nd;
const same = (x: Nd) => x;
/** split along `dim` into pieces of `sizes` (a number: equal pieces, the last one shorter). */
function splitOf(x: Nd, sizes: number | number[], dim: number): Nd[] {
  const n = x.shape[dim < 0 ? dim + x.shape.length : dim];
  const list = typeof sizes === 'number' ? Array.from({ length: Math.ceil(n / sizes) }, (_, i) => Math.min(sizes, n - i * sizes)) : sizes;
  let start = 0;
  return list.map((size) => o.slice(x, dim, start, (start += size)));
}

const x3 = [f([2, 3, 4])];
const idx = (shape: number[], values: number[]) => literal(shape, values, 'int32');

const views: OpEntry[] = [
  { name: 'reshape', inputs: x3, fn: (x) => reshape(x, [4, 6]), oracle: (x) => o.reshape(x, [4, 6]) },
  { name: 'reshape with -1', inputs: x3, fn: (x) => reshape(x, [-1, 2]), oracle: (x) => o.reshape(x, [-1, 2]) },
  {
    name: 'reshape of a transposed view (copies)',
    inputs: x3,
    fn: (x) => reshape(transpose(x, 1, 2), [4, 6]),
    oracle: (x) => o.reshape(o.transpose(x, 1, 2), [4, 6]),
  },
  { name: 'view', inputs: x3, fn: (x) => view(x, [6, 4]), oracle: (x) => o.reshape(x, [6, 4]) },
  { name: 'flatten', inputs: x3, fn: (x) => flatten(x), oracle: (x) => o.reshape(x, [24]) },
  { name: 'flatten dims 1..2', inputs: x3, fn: (x) => flatten(x, 1, 2), oracle: (x) => o.reshape(x, [2, 12]) },
  { name: 'permute', inputs: x3, fn: (x) => permute(x, [2, 0, 1]), oracle: (x) => o.permute(x, [2, 0, 1]) },
  { name: 'transpose 0 2', inputs: x3, fn: (x) => transpose(x, 0, 2), oracle: (x) => o.transpose(x, 0, 2) },
  { name: 'transpose default (last two)', inputs: x3, fn: (x) => transpose(x), oracle: (x) => o.transpose(x) },
  { name: 'expand', inputs: [f([3, 1])], fn: (x) => expand(x, [2, 3, 4]), oracle: (x) => o.expand(x, [2, 3, 4]) },
  { name: 'expand with -1', inputs: [f([1, 4])], fn: (x) => expand(x, [3, -1]), oracle: (x) => o.expand(x, [3, 4]) },
  { name: 'expandAs', inputs: [f([4]), f([3, 4], 'normal', false)], fn: (x, y) => x.expandAs(y), oracle: (x, y) => o.expand(x, y.shape) },
  { name: 'slice', inputs: x3, fn: (x) => slice(x, 1, 1, 3), oracle: (x) => o.slice(x, 1, 1, 3) },
  {
    name: 'slice with step',
    inputs: [f([3, 5, 6])],
    fn: (x) => slice(x, 2, 0, undefined, 2),
    oracle: (x) => o.slice(x, 2, 0, undefined, 2),
  },
  { name: 'slice with negative start', inputs: x3, fn: (x) => slice(x, -1, -3), oracle: (x) => o.slice(x, -1, -3) },
  {
    name: 'slice of a slice',
    inputs: [f([3, 7])],
    fn: (x) => slice(slice(x, 1, 1, 7, 2), 0, 1),
    oracle: (x) => o.slice(o.slice(x, 1, 1, 7, 2), 0, 1),
  },
  { name: 'narrow', inputs: x3, fn: (x) => narrow(x, 2, 1, 2), oracle: (x) => o.slice(x, 2, 1, 3) },
  { name: 'squeeze all', inputs: [f([1, 3, 1, 4])], fn: (x) => squeeze(x), oracle: (x) => o.reshape(x, [3, 4]) },
  { name: 'squeeze dim', inputs: [f([1, 3, 1, 4])], fn: (x) => squeeze(x, 2), oracle: (x) => o.reshape(x, [1, 3, 4]) },
  { name: 'unsqueeze 0', inputs: x3, fn: (x) => unsqueeze(x, 0), oracle: (x) => o.reshape(x, [1, 2, 3, 4]) },
  { name: 'unsqueeze -1', inputs: x3, fn: (x) => unsqueeze(x, -1), oracle: (x) => o.reshape(x, [2, 3, 4, 1]) },
  { name: 'contiguous of a transposed view', inputs: x3, fn: (x) => contiguous(transpose(x, 0, 2)), oracle: (x) => o.transpose(x, 0, 2) },
  { name: 'clone', inputs: x3, fn: (x) => clone(x), oracle: same },
  { name: 'detach', inputs: x3, fn: (x) => detach(x), grad: false, oracle: same },
  {
    name: 'slice with step and an uneven end',
    inputs: [f([2, 6])],
    fn: (x) => slice(x, 1, 1, 6, 2),
    oracle: (x) => o.slice(x, 1, 1, 6, 2),
  },
  { name: 'slice past the end (clamped)', inputs: [f([2, 4])], fn: (x) => slice(x, 1, 2, 10), oracle: (x) => o.slice(x, 1, 2, 10) },
  {
    name: 'slice of a transposed view',
    inputs: [f([4, 5])],
    fn: (x) => slice(transpose(x, 0, 1), 0, 1, 4),
    oracle: (x) => o.slice(o.transpose(x, 0, 1), 0, 1, 4),
  },
  {
    name: 'permute of a slice',
    inputs: x3,
    fn: (x) => permute(slice(x, 2, 1, 3), [1, 2, 0]),
    oracle: (x) => o.permute(o.slice(x, 2, 1, 3), [1, 2, 0]),
  },
  {
    name: 'reshape of an expanded view (copies)',
    inputs: [f([3, 1])],
    fn: (x) => reshape(expand(x, [3, 4]), [2, 6]),
    oracle: (x) => o.reshape(o.expand(x, [3, 4]), [2, 6]),
  },
  {
    name: 'unsqueeze of a transposed view',
    inputs: [f([3, 4])],
    fn: (x) => unsqueeze(transpose(x, 0, 1), 1),
    oracle: (x) => o.reshape(o.transpose(x, 0, 1), [4, 1, 3]),
  },
  {
    name: 'squeeze of a sliced view',
    inputs: [f([3, 4])],
    fn: (x) => squeeze(slice(x, 1, 2, 3)),
    oracle: (x) => o.reshape(o.slice(x, 1, 2, 3), [3]),
  },
  {
    name: 'a view used twice',
    inputs: [f([3, 4])],
    fn: (x) => mul(transpose(x, 0, 1), transpose(x, 0, 1)),
    oracle: (x) => o.zip([o.transpose(x, 0, 1), o.transpose(x, 0, 1)], (a, b) => a * b),
  },
];

const joins: OpEntry[] = [
  {
    name: 'concat dim 0',
    inputs: [f([1, 4]), f([2, 4]), f([3, 4])],
    fn: (a, b, c) => concat([a, b, c], 0),
    oracle: (a, b, c) => o.concat([a, b, c], 0),
  },
  { name: 'concat dim -1', inputs: [f([2, 3, 2]), f([2, 3, 1])], fn: (a, b) => concat([a, b], -1), oracle: (a, b) => o.concat([a, b], -1) },
  {
    name: 'concat of views',
    inputs: [f([4, 3]), f([3, 2])],
    fn: (a, b) => concat([transpose(a, 0, 1), slice(b, 1, 0, 1).expand([3, 4])], 1),
    oracle: (a, b) => o.concat([o.transpose(a, 0, 1), o.expand(o.slice(b, 1, 0, 1), [3, 4])], 1),
  },
  { name: 'cat (alias of concat)', inputs: [f([2, 2]), f([2, 3])], fn: (a, b) => cat([a, b], 1), oracle: (a, b) => o.concat([a, b], 1) },
  {
    name: 'concat with an empty tensor',
    inputs: [f([2, 0]), f([2, 3])],
    fn: (a, b) => concat([a, b], 1),
    oracle: (a, b) => o.concat([a, b], 1),
  },
  {
    name: 'stack dim 1',
    inputs: [f([2, 3]), f([2, 3])],
    fn: (a, b) => stack([a, b], 1),
    oracle: (a, b) => o.concat([o.reshape(a, [2, 1, 3]), o.reshape(b, [2, 1, 3])], 1),
  },
  { name: 'split sizes', inputs: x3, fn: (x) => split(x, [1, 2], 1), oracle: (x) => splitOf(x, [1, 2], 1) },
  { name: 'split equal chunks', inputs: x3, fn: (x) => split(x, 2, 2), oracle: (x) => splitOf(x, 2, 2) },
  { name: 'chunk', inputs: [f([7, 2])], fn: (x) => chunk(x, 3, 0), oracle: (x) => splitOf(x, Math.ceil(7 / 3), 0) },
  {
    name: 'sliceScatter',
    inputs: [f([2, 4, 3]), f([2, 2, 3])],
    fn: (x, s) => sliceScatter(x, s, 1, 1, 3),
    oracle: (x, src) => o.sliceScatter(x, src, 1, 1, 3),
  },
  {
    name: 'sliceScatter with step',
    inputs: [f([2, 5, 3]), f([2, 2, 3])],
    fn: (x, s) => sliceScatter(x, s, 1, 0, 3, 2),
    oracle: (x, src) => o.sliceScatter(x, src, 1, 0, 3, 2),
  },
];

const indexing: OpEntry[] = [
  {
    name: 'indexSelect dim 0 with repeats',
    inputs: [f([5, 4]), idx([4], [3, 0, 3, 4])],
    fn: (x, i) => indexSelect(x, 0, i),
    oracle: (x, i) => o.take(x, 0, i),
  },
  {
    name: 'indexSelect dim 1 with a 2-D index',
    inputs: [f([2, 5, 3]), idx([2, 2], [4, 1, 1, 0])],
    fn: (x, i) => indexSelect(x, 1, i),
    oracle: (x, i) => o.take(x, 1, i),
  },
  {
    name: 'embedding',
    inputs: [idx([2, 3], [1, 3, 3, 5, 0, 3]), f([6, 4])],
    fn: (i, w) => embedding(i, w),
    oracle: (i, w) => o.take(w, 0, i),
  },
  {
    name: 'indexAdd with repeats',
    inputs: [f([5, 3]), idx([4], [1, 4, 1, 0]), f([4, 3])],
    fn: (x, i, s) => indexAdd(x, 0, i, s),
    oracle: (x, i, src) => o.indexAdd(x, 0, i, src),
  },
  {
    name: 'indexAdd dim 1',
    inputs: [f([2, 4]), idx([3], [3, 3, 0]), f([2, 3])],
    fn: (x, i, s) => indexAdd(x, 1, i, s),
    oracle: (x, i, src) => o.indexAdd(x, 1, i, src),
  },
];

export const shapeEntries: OpEntry[] = [...views, ...joins, ...indexing];
