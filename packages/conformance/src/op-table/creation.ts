import { arange, eye, fill, fromArray, full, fullLike, ones, onesLike, scalar, tensor, zeros, zerosLike, add } from '@peftjs/core';
import { map } from '../oracle/nd.js';
import { f, type OpEntry } from './entry.js';

/** Creation ops run on the active backend; their values are known exactly. */
export const creationEntries: OpEntry[] = [
  { name: 'fill', inputs: [], fn: () => fill([2, 3], 2.5), expect: [2.5, 2.5, 2.5, 2.5, 2.5, 2.5] },
  { name: 'fill int32', inputs: [], fn: () => fill([4], -7, 'int32'), expect: [-7, -7, -7, -7] },
  { name: 'fill bool', inputs: [], fn: () => fill([3], 1, 'bool'), expect: [1, 1, 1] },
  { name: 'full', inputs: [], fn: () => full([2], -1.5), expect: [-1.5, -1.5] },
  { name: 'fromArray', inputs: [], fn: () => fromArray(new Int32Array([3, 1, 2, 0]), [2, 2]), expect: [3, 1, 2, 0] },
  { name: 'zeros', inputs: [], fn: () => zeros([2, 2]), expect: [0, 0, 0, 0] },
  { name: 'ones', inputs: [], fn: () => ones([3]), expect: [1, 1, 1] },
  { name: 'fill of an empty shape', inputs: [], fn: () => fill([0, 3], 1), expect: [] },
  { name: 'arange int32', inputs: [], fn: () => arange(5), expect: [0, 1, 2, 3, 4] },
  { name: 'arange with a negative step', inputs: [], fn: () => arange(10, 0, -3), expect: [10, 7, 4, 1] },
  { name: 'arange float', inputs: [], fn: () => arange(1, 2, 0.25), expect: [1, 1.25, 1.5, 1.75] },
  { name: 'arange float32 dtype', inputs: [], fn: () => arange(0, 3, 1, 'float32'), expect: [0, 1, 2] },
  { name: 'eye', inputs: [], fn: () => eye(3), expect: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
  { name: 'eye rectangular', inputs: [], fn: () => eye(2, 4), expect: [1, 0, 0, 0, 0, 1, 0, 0] },
  { name: 'scalar', inputs: [], fn: () => scalar(3.5), expect: [3.5] },
  {
    name: 'tensor from nested arrays',
    inputs: [],
    fn: () =>
      tensor([
        [1, 2],
        [3, 4],
      ]),
    expect: [1, 2, 3, 4],
  },
  { name: 'tensor of bools', inputs: [], fn: () => tensor([true, false, true]), expect: [1, 0, 1] },
  { name: 'tensor int32', inputs: [], fn: () => tensor([5, -2, 7], { dtype: 'int32' }), expect: [5, -2, 7] },
  { name: 'zerosLike', inputs: [f([2, 3])], fn: (x) => zerosLike(x), grad: false, expect: [0, 0, 0, 0, 0, 0] },
  { name: 'onesLike plus x', inputs: [f([2, 3])], fn: (x) => add(onesLike(x), x), oracle: (x) => map(x, (v) => v + 1) },
  { name: 'fullLike int32', inputs: [f([2, 2])], fn: (x) => fullLike(x, 4, 'int32'), grad: false, expect: [4, 4, 4, 4] },
];
