import { matmul, matmul2d, type Tensor } from '@peftjs/core';
import { expand, matmul as matmulOf, slice, transpose, type Nd } from '../oracle/nd.js';
import { f, type OpEntry } from './entry.js';

const plain = (a: Nd, b: Nd) => matmulOf(a, b);
const mm = (
  name: string,
  a: number[],
  b: number[],
  fn: (a: Tensor, b: Tensor) => Tensor = matmul,
  oracle: (a: Nd, b: Nd) => Nd = plain,
): OpEntry => ({
  name,
  inputs: [f(a), f(b)],
  fn,
  kind: 'reduction',
  oracle,
});
const T = (x: Nd) => transpose(x);

export const linalgEntries: OpEntry[] = [
  mm('matmul [3,4] @ [4,5]', [3, 4], [4, 5]),
  mm(
    'matmul transposeA',
    [4, 3],
    [4, 5],
    (a, b) => matmul(a, b, { transposeA: true }),
    (a, b) => matmulOf(T(a), b),
  ),
  mm(
    'matmul transposeB',
    [3, 4],
    [5, 4],
    (a, b) => matmul(a, b, { transposeB: true }),
    (a, b) => matmulOf(a, T(b)),
  ),
  mm(
    'matmul transposeA and transposeB',
    [4, 3],
    [5, 4],
    (a, b) => matmul(a, b, { transposeA: true, transposeB: true }),
    (a, b) => matmulOf(T(a), T(b)),
  ),
  mm('matmul batched', [2, 3, 4], [2, 4, 5]),
  mm(
    'matmul batched transposeB',
    [2, 3, 4],
    [2, 5, 4],
    (a, b) => matmul(a, b, { transposeB: true }),
    (a, b) => matmulOf(a, T(b)),
  ),
  mm('matmul broadcast batch [2,1,3,4] @ [3,4,5]', [2, 1, 3, 4], [3, 4, 5]),
  mm('matmul 3-D @ 2-D', [2, 3, 4], [4, 5]),
  mm('matmul 2-D @ 3-D', [3, 4], [2, 4, 5]),
  mm('matmul 1-D @ 2-D', [4], [4, 5]),
  mm('matmul 2-D @ 1-D', [3, 4], [4]),
  mm('matmul 1-D @ 1-D', [4], [4]),
  mm('matmul 1-D @ 3-D', [4], [2, 4, 3]),
  mm(
    'matmul of a transposed view',
    [4, 3],
    [4, 5],
    (a, b) => matmul(a.transpose(0, 1), b),
    (a, b) => matmulOf(T(a), b),
  ),
  mm(
    'matmul of a broadcast view',
    [1, 4],
    [4, 5],
    (a, b) => matmul(a.expand([3, 4]), b),
    (a, b) => matmulOf(expand(a, [3, 4]), b),
  ),
  mm(
    'matmul of sliced views (offsets)',
    [5, 4],
    [4, 7],
    (a, b) => matmul(a.slice(0, 1, 4), b.slice(1, 2, 7)),
    (a, b) => matmulOf(slice(a, 0, 1, 4), slice(b, 1, 2, 7)),
  ),
  mm('matmul inner dimension 1', [3, 1], [1, 5]),
  mm(
    'matmul2d transposed, broadcast batch',
    [2, 1, 4, 3],
    [3, 5, 4],
    (a, b) => matmul2d(a, b, true, true),
    (a, b) => matmulOf(T(a), T(b)),
  ),
  // the fast kernel's paths: LoRA's thin products (x·Aᵀ with r small, then ·Bᵀ with k = r), a k that
  // spans several packed k blocks, n wider than one B panel, and rows enough to split over threads
  mm(
    'matmul LoRA x·Aᵀ (thin n)',
    [2, 33, 40],
    [5, 40],
    (a, b) => matmul(a, b, { transposeB: true }),
    (a, b) => matmulOf(a, T(b)),
  ),
  mm(
    'matmul LoRA h·Bᵀ (thin k)',
    [2, 33, 5],
    [48, 5],
    (a, b) => matmul(a, b, { transposeB: true }),
    (a, b) => matmulOf(a, T(b)),
  ),
  mm(
    'matmul LoRA dA = dhᵀ·x (thin m, transposeA)',
    [66, 5],
    [66, 40],
    (a, b) => matmul(a, b, { transposeA: true }),
    (a, b) => matmulOf(T(a), b),
  ),
  mm('matmul long k (several k blocks)', [6, 600], [600, 9]),
  // forward only: finite differences over every input would take hours at these sizes (the gradient
  // rule is matmuls of the same kernel, checked by the entries above)
  { ...mm('matmul n wider than one B panel', [3, 300], [300, 2100]), grad: false },
  { ...mm('matmul large enough for worker threads', [96, 300], [300, 80]), grad: false },
];
