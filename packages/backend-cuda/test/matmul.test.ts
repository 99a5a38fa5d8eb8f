import { CpuBackend } from '@peftjs/backend-cpu';
import { matmul, memory, registerBackend, removeBackend, setBackend, slice, tensor, tidy, transpose, type Tensor } from '@peftjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatedMissing, needsEmulated } from './emulated.js';
import { CudaBackend } from '../src/index.js';

/**
 * Both GEMM kernels of the emulated build against the CPU reference: the 64×64 shared-memory tile
 * (m and n ≥ 32: tile edges, several tiles and k-slices in every dimension) and the thread-an-output
 * kernel (small products, a batch count above one grid dimension), through transposes by flag and
 * by strided view, storage offsets and broadcast batches.
 */
interface Case {
  batchA?: number[];
  batchB?: number[];
  m: number;
  k: number;
  n: number;
  transA?: boolean;
  transB?: boolean;
  viewA?: boolean;
  viewB?: boolean;
  offset?: number;
}

const CASES: Case[] = [
  { m: 1, k: 1, n: 1 },
  { m: 3, k: 5, n: 7 },
  { m: 5, k: 0, n: 4 },
  { m: 32, k: 16, n: 32 },
  { m: 65, k: 67, n: 66 },
  { m: 130, k: 33, n: 131 },
  { m: 40, k: 17, n: 70, transA: true },
  { m: 40, k: 17, n: 70, transB: true },
  { m: 70, k: 36, n: 72, transA: true, transB: true },
  { m: 36, k: 40, n: 44, viewA: true, viewB: true },
  { m: 36, k: 20, n: 44, offset: 3, transA: true },
  { batchA: [2, 3], batchB: [2, 3], m: 33, k: 8, n: 34, transB: true },
  { batchA: [4], batchB: [], m: 40, k: 16, n: 36 },
  { batchA: [3, 1], batchB: [1, 2], m: 7, k: 8, n: 9 },
  { batchA: [70000], batchB: [1], m: 1, k: 2, n: 3 },
];

let state = 2024;
function values(count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = (state >>> 8) / 2 ** 23 - 1;
  }
  return out;
}

function operand(batch: number[], rows: number, cols: number, view: boolean, offset: number, data: Float32Array): Tensor {
  const body = slice(tensor(data, { shape: [data.length] }), 0, offset).reshape(view ? [...batch, cols, rows] : [...batch, rows, cols]);
  return view ? transpose(body) : body;
}

const label = (c: Case) =>
  `[${c.batchA ?? []}]×[${c.batchB ?? []}] ${c.m}×${c.k}×${c.n}${['transA', 'transB', 'viewA', 'viewB']
    .filter((f) => c[f as keyof Case])
    .map((f) => ` ${f}`)
    .join('')}${c.offset ? ` offset ${c.offset}` : ''}`;

describe.skipIf(emulatedMissing !== null)(needsEmulated('matmul on the emulated CUDA build against the CPU reference'), () => {
  beforeAll(() => {
    registerBackend('matmul-test-cuda', () => new CudaBackend({ emulated: true }), 0);
    registerBackend('matmul-test-cpu', () => new CpuBackend({ fast: false }), 0);
  });
  afterAll(() => {
    removeBackend('matmul-test-cuda');
    removeBackend('matmul-test-cpu');
  });

  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (name, c) => {
    const offset = c.offset ?? 0;
    const [aRows, aCols] = c.transA ? [c.k, c.m] : [c.m, c.k];
    const [bRows, bCols] = c.transB ? [c.n, c.k] : [c.k, c.n];
    const size = (batch: number[], r: number, k: number) => batch.reduce((x, y) => x * y, 1) * r * k + offset;
    const aData = values(size(c.batchA ?? [], aRows, aCols));
    const bData = values(size(c.batchB ?? [], bRows, bCols));
    const run = async (backend: string) => {
      await setBackend(backend);
      const before = memory().numTensors;
      const out = tidy(() =>
        matmul(
          operand(c.batchA ?? [], aRows, aCols, !!c.viewA, offset, aData),
          operand(c.batchB ?? [], bRows, bCols, !!c.viewB, offset, bData),
          { transposeA: c.transA, transposeB: c.transB },
        ),
      );
      const result = { shape: out.shape, data: (await out.data()) as Float32Array };
      out.dispose();
      return { ...result, leaked: memory().numTensors - before };
    };
    const want = await run('matmul-test-cpu');
    const got = await run('matmul-test-cuda');
    expect(got.shape, name).toEqual(want.shape);
    let scale = 1;
    for (const v of want.data) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]) / scale);
    expect(worst, name).toBeLessThan(1e-5);
    expect(got.leaked, 'tensors left after the case').toBe(0);
  });
});

describe.skipIf(emulatedMissing !== null)(needsEmulated('the caching allocator'), () => {
  it('reuses freed blocks and holds no live block once the tensors are gone', () => {
    const backend = new CudaBackend({ emulated: true });
    const start = backend.allocatorStats();
    const first = backend.alloc('float32', 1000);
    backend.free(first);
    const cached = backend.allocatorStats();
    const second = backend.alloc('float32', 900); // same 512-byte rounding class: served from the cache
    expect(backend.allocatorStats().cachedBytes).toBeLessThan(cached.cachedBytes);
    backend.free(second);
    expect(backend.allocatorStats().blocks).toBe(start.blocks);
    expect(backend.numLiveBuffers()).toBe(0);
    backend.dispose();
  });

  it('rejects a free of a buffer that is not live', () => {
    const backend = new CudaBackend({ emulated: true });
    const s = backend.alloc('int32', 4);
    backend.free(s);
    expect(() => backend.free(s)).toThrow(/cuda: free of buffer \d+ \(int32\[4\]\), which is not live/);
    backend.dispose();
  });
});
