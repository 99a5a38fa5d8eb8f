import {
  add,
  concat,
  crossEntropy,
  type DType,
  embedding,
  expand,
  fill,
  indexSelect,
  layerNorm,
  matmul,
  mseLoss,
  mul,
  ones,
  permute,
  reshape,
  scalar,
  scope,
  setBackend,
  sliceScatter,
  softmax,
  split,
  sum,
  tensor,
  tidy,
  view,
  where,
  zeros,
} from '@peftjs/core';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertThrows } from '../util/compare.js';
import { read } from '../util/tensors.js';

/** A check that an invalid call throws an error naming the op, the argument and the shapes. */
interface ErrorCase {
  name: string;
  /**
   * Core checks the values (indices) before the kernel only where the backend reads synchronously;
   * a backend whose `capabilities` declare `indexErrorsAtRead` raises the error at the next read instead.
   */
  needsSyncRead?: boolean;
  run: (ctx: CaseContext) => Promise<void> | void;
}

const z = (...shape: number[]) => zeros(shape);
const i32 = (values: number[]) => tensor(values, { dtype: 'int32' });

const ERRORS: ErrorCase[] = [
  {
    name: 'matmul inner dimensions',
    run: () => assertThrows('matmul', () => matmul(z(2, 3), z(4, 5)), 'matmul: inner dimensions differ: [2,3] @ [4,5]'),
  },
  {
    name: 'matmul inner dimensions with transposeB',
    run: () =>
      assertThrows(
        'matmul',
        () => matmul(z(2, 3), z(3, 5), { transposeB: true }),
        'matmul: inner dimensions differ: [2,3] @ [3,5]',
        'transposeB=true',
      ),
  },
  {
    name: 'matmul batch dimensions',
    run: () => assertThrows('matmul', () => matmul(z(2, 3, 4), z(3, 4, 5)), 'matmul: shapes [2] and [3] cannot be broadcast together'),
  },
  {
    name: 'matmul of a scalar',
    run: () =>
      assertThrows('matmul', () => matmul(scalar(1), z(2, 2)), 'matmul: both arguments need at least one dimension, got [] @ [2,2]'),
  },
  {
    name: 'matmul of int32',
    run: () =>
      assertThrows(
        'matmul',
        () => matmul(i32([1, 2]), i32([1, 2])),
        'matmul: a must be a floating-point tensor (float32, float64, float16, bfloat16), got int32',
      ),
  },
  {
    name: 'broadcasting failure',
    run: () => assertThrows('add', () => add(z(2, 3), z(4)), 'add: shapes [2,3] and [4] cannot be broadcast together'),
  },
  {
    name: 'broadcasting failure in where',
    run: () => assertThrows('where', () => where(fill([2], 1, 'bool'), z(3), 0), 'where: shapes [2] and [3] cannot be broadcast together'),
  },
  {
    name: 'where with a float condition',
    run: () => assertThrows('where', () => where(z(2), z(2), z(2)), 'where: cond must be bool, got float32 [2]'),
  },
  {
    name: 'reshape size mismatch',
    run: () => assertThrows('reshape', () => reshape(z(2, 3), [4]), 'reshape: cannot reshape [2,3] (6 elements) to [4]'),
  },
  { name: 'reshape with two -1', run: () => assertThrows('reshape', () => reshape(z(2, 3), [-1, -1]), 'reshape: invalid shape [-1,-1]') },
  {
    name: 'view of a non-contiguous tensor',
    run: () => assertThrows('view', () => view(z(2, 3).transpose(0, 1), [6]), 'view: [3,2]', 'use reshape()'),
  },
  {
    name: 'expand to an incompatible shape',
    run: () => assertThrows('expand', () => expand(z(3), [2, 4]), 'expand: cannot expand [3] to [2,4]'),
  },
  {
    name: 'permute with a repeated axis',
    run: () => assertThrows('permute', () => permute(z(2, 3), [0, 0]), 'permute: dims [0,0] is not a permutation of 2 axes for [2,3]'),
  },
  {
    name: 'dim out of range',
    run: () => assertThrows('sum', () => sum(z(2, 3), 2), 'sum: dim 2 is out of range for a tensor of rank 2 (expected -2..1)'),
  },
  {
    name: 'concat shape mismatch',
    run: () =>
      assertThrows(
        'concat',
        () => concat([z(2, 3), z(2, 4)], 0),
        'concat: tensors[1] has shape [2,4], which differs from [2,3] outside dim 0',
      ),
  },
  {
    name: 'split sizes that do not add up',
    run: () => assertThrows('split', () => split(z(5, 2), [2, 2], 0), 'split: sizes [2,2] do not add up to 5'),
  },
  {
    name: 'sliceScatter with a wrong src shape',
    run: () =>
      assertThrows('sliceScatter', () => sliceScatter(z(4, 3), z(2, 2), 0, 0, 2), 'sliceScatter: src must have shape [2,3], got [2,2]'),
  },
  {
    name: 'softmax of int32',
    run: () =>
      assertThrows(
        'softmax',
        () => softmax(i32([1, 2])),
        'softmax: x must be a floating-point tensor (float32, float64, float16, bfloat16), got int32',
      ),
  },
  {
    name: 'layerNorm normalizedShape mismatch',
    run: () =>
      assertThrows('layerNorm', () => layerNorm(z(2, 3), [5]), 'layerNorm: normalizedShape [5] must match the last dimensions of x [2,3]'),
  },
  {
    name: 'layerNorm weight shape',
    run: () => assertThrows('layerNorm', () => layerNorm(z(2, 3), [3], z(4)), 'layerNorm: weight must be float32 [3], got float32 [4]'),
  },
  {
    name: 'crossEntropy target shape',
    run: () =>
      assertThrows(
        'crossEntropy',
        () => crossEntropy(z(4, 5), i32([0, 1, 2])),
        'crossEntropy: target shape [3] must equal logits shape without the class axis, [4]',
      ),
  },
  {
    name: 'crossEntropy target dtype',
    run: () =>
      assertThrows('crossEntropy', () => crossEntropy(z(2, 5), z(2)), 'crossEntropy: target must be int32 class indices, got float32'),
  },
  {
    name: 'crossEntropy target out of range',
    needsSyncRead: true,
    run: () =>
      assertThrows('crossEntropy', () => read(crossEntropy(z(2, 5), i32([1, 7]))), 'crossEntropy: target 7 is out of range for 5 classes'),
  },
  {
    name: 'mseLoss shape mismatch',
    run: () => assertThrows('mseLoss', () => mseLoss(z(2, 3), z(3, 2)), 'mseLoss: input [2,3] and target [3,2] must have the same shape'),
  },
  {
    name: 'indexSelect index out of range',
    needsSyncRead: true,
    run: () =>
      assertThrows(
        'indexSelect',
        () => read(indexSelect(z(4, 2), 0, i32([0, 5]))),
        'indexSelect: index 5 is out of range for a dimension of size 4',
      ),
  },
  {
    name: 'indexSelect negative index',
    needsSyncRead: true,
    run: () => assertThrows('indexSelect', () => read(indexSelect(z(4, 2), 0, i32([-1]))), 'indexSelect: index -1 is out of range'),
  },
  {
    name: 'indexSelect float index',
    run: () => assertThrows('indexSelect', () => indexSelect(z(4, 2), 0, z(2)), 'indexSelect: index must be int32, got float32 [2]'),
  },
  {
    name: 'embedding weight rank',
    run: () => assertThrows('embedding', () => embedding(i32([0]), z(4)), 'embedding: weight must be 2-D [numEmbeddings, dim], got [4]'),
  },
  {
    name: 'tensor values and shape',
    run: () => assertThrows('tensor', () => tensor([1, 2, 3], { shape: [2, 2] }), 'tensor: shape [2,2] needs 4 values, got 3'),
  },
  { name: 'tensor from ragged arrays', run: () => assertThrows('tensor', () => tensor([[1, 2], [3]]), 'tensor: nested arrays are ragged') },
  {
    name: 'unknown dtype',
    run: () =>
      assertThrows(
        'fill',
        () => zeros([2], 'float8' as DType),
        'fill: dtype must be one of float32, float64, float16, bfloat16, int32, bool, got float8',
      ),
  },
  {
    name: 'requiresGrad on an int32 tensor',
    run: () =>
      assertThrows(
        'requiresGrad',
        () => {
          i32([1]).requiresGrad = true;
        },
        'requiresGrad: only float tensors can require gradients, got int32',
      ),
  },
  {
    name: 'disposed tensor used by an op',
    run: () => {
      const x = ones([2, 3]);
      x.dispose();
      return assertThrows('disposed', () => add(x, 1), 'add: a was disposed', 'shape [2,3]');
    },
  },
  {
    name: 'disposed tensor read',
    run: () => {
      const x = ones([2]);
      x.dispose();
      return assertThrows('disposed', () => x.data(), 'data: tensor was disposed');
    },
  },
  {
    name: 'disposed tensor as the second operand of matmul',
    run: () => {
      const b = ones([3, 2]);
      b.dispose();
      return assertThrows('disposed', () => matmul(ones([2, 3]), b), 'matmul: b was disposed');
    },
  },
  {
    name: 'backward twice without retainGraph',
    run: () => {
      const x = ones([3]).requiresGrad_();
      const y = sum(mul(x, x));
      y.backward();
      return assertThrows('backward', () => y.backward(), 'backward:', 'already freed by an earlier backward', 'retainGraph: true');
    },
  },
  {
    name: 'backward twice with retainGraph accumulates',
    run: async () => {
      const x = tensor([1, 2, 3]).requiresGrad_();
      const y = sum(mul(x, x));
      y.backward({ retainGraph: true });
      y.backward();
      assertClose('x.grad after two backward passes', await read(x.grad!), [4, 8, 12], 0);
    },
  },
  {
    name: 'backward of a non-scalar without a gradient',
    run: () =>
      assertThrows(
        'backward',
        () => mul(ones([2]).requiresGrad_(), 2).backward(),
        'backward: a gradient can be implied only for one-element outputs, got shape [2]',
      ),
  },
  {
    name: 'backward with a gradient of the wrong shape',
    run: () =>
      assertThrows(
        'backward',
        () => mul(ones([2]).requiresGrad_(), 2).backward({ gradient: ones([3]) }),
        'backward: gradient must be float32 [2], got float32 [3]',
      ),
  },
  {
    name: 'backward of a tensor without a graph',
    run: () => assertThrows('backward', () => ones([1]).backward(), 'backward: the tensor [1] does not require grad'),
  },
  {
    name: 'assign of a different shape',
    run: () => assertThrows('assign', () => ones([2, 3]).assign(ones([3])), 'assign: value must be float32 [2,3], got float32 [3]'),
  },
  {
    name: 'tidy with an async function',
    run: () =>
      assertThrows(
        'tidy',
        () => tidy((async () => undefined) as () => unknown),
        'tidy: the function returned a Promise; use scope() for async code',
      ),
  },
  {
    name: 'inputs on different backends',
    run: async (ctx) => {
      const a = ones([2]);
      const b = await ctx.onReference(() => ones([2]));
      await assertThrows('mixed backends', () => add(a, b), 'add: inputs are on different backends');
    },
  },
  {
    name: 'setBackend with an unknown name',
    run: () =>
      assertThrows('setBackend', () => setBackend('no-such-backend'), "setBackend: no backend named 'no-such-backend' is registered"),
  },
];

export const errorCases: ConformanceCase[] = ERRORS.map((e) => ({
  suite: 'errors',
  name: e.name,
  run: async (ctx) => {
    const atRead = ctx.backend.capabilities.indexErrorsAtRead;
    if (e.needsSyncRead && !ctx.backend.capabilities.syncRead && !atRead) {
      ctx.skip(`core checks index values before the kernel only on backends with synchronous reads (or indexErrorsAtRead)`);
    }
    // the tensors a check makes are disposed here; the case wrapper still sees anything a kernel leaked
    const s = scope();
    try {
      await e.run(ctx);
    } finally {
      s.dispose();
    }
  },
}));
