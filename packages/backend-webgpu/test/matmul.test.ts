import { CpuBackend } from '@peftjs/backend-cpu';
import { matmul, memory, registerBackend, removeBackend, setBackend, slice, tensor, tidy, transpose, type Tensor } from '@peftjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGPUBackend, type WebGPUBackend } from '../src/index.js';

/**
 * The tiled matmul against the CPU reference over shapes that reach every path: tile edges (odd
 * sizes, sizes above one 64×64 tile in every dimension), vec4 and scalar loads (contiguous,
 * transposed by flag or by a strided view, misaligned offsets), broadcast batches and large batches.
 */
interface Case {
  batchA?: number[];
  batchB?: number[];
  m: number;
  k: number;
  n: number;
  transA?: boolean;
  transB?: boolean;
  /** Operands made as the transpose of a contiguous tensor (strided views). */
  viewA?: boolean;
  viewB?: boolean;
  /** Elements skipped at the start of each operand's storage (misaligns vec4 loads unless a multiple of 4). */
  offset?: number;
}

const CASES: Case[] = [
  { m: 1, k: 1, n: 1 },
  { m: 1, k: 300, n: 1 },
  { m: 5, k: 1, n: 7 },
  { m: 3, k: 5, n: 7 },
  { m: 16, k: 16, n: 16 },
  { m: 64, k: 64, n: 64 },
  { m: 65, k: 67, n: 66 },
  { m: 130, k: 129, n: 131 },
  { m: 128, k: 96, n: 72 },
  { m: 1, k: 64, n: 200 },
  { m: 200, k: 64, n: 1 },
  { m: 33, k: 17, n: 65, transA: true },
  { m: 33, k: 17, n: 65, transB: true },
  { m: 70, k: 68, n: 72, transA: true, transB: true },
  { m: 68, k: 72, n: 76, transA: true, transB: true },
  { m: 36, k: 40, n: 44, viewA: true, viewB: true },
  { m: 36, k: 40, n: 44, viewA: true, transA: true, viewB: true, transB: true },
  { m: 20, k: 24, n: 28, offset: 1 },
  { m: 20, k: 24, n: 28, offset: 4, transB: true },
  { m: 20, k: 24, n: 28, offset: 3, transA: true },
  { batchA: [3], batchB: [3], m: 9, k: 10, n: 11 },
  { batchA: [2, 3], batchB: [2, 3], m: 65, k: 8, n: 66, transB: true },
  { batchA: [4], batchB: [], m: 12, k: 16, n: 20 },
  { batchA: [], batchB: [5], m: 12, k: 16, n: 20, transA: true },
  { batchA: [3, 1], batchB: [1, 4], m: 7, k: 8, n: 9 },
  { batchA: [1000], batchB: [1000], m: 3, k: 4, n: 5 },
  { batchA: [70000], batchB: [1], m: 1, k: 2, n: 3 },
];

let state = 12345;
function values(count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = (state >>> 8) / 2 ** 23 - 1;
  }
  return out;
}

/** The operand as stored: [..., rows, cols] before the view; `view` makes it the transpose of a contiguous [..., cols, rows]. */
function operand(batch: number[], rows: number, cols: number, view: boolean, offset: number, data: Float32Array): Tensor {
  const shape = view ? [...batch, cols, rows] : [...batch, rows, cols];
  const full = tensor(data, { shape: [data.length] });
  const body = slice(full, 0, offset).reshape(shape);
  return view ? transpose(body) : body;
}

function describeCase(c: Case): string {
  const flags = ['transA', 'transB', 'viewA', 'viewB'].filter((f) => c[f as keyof Case]).join(',');
  return `[${c.batchA ?? []}]×[${c.batchB ?? []}] ${c.m}×${c.k}×${c.n}${flags ? ` ${flags}` : ''}${c.offset ? ` offset ${c.offset}` : ''}`;
}

describe('matmul on webgpu against the CPU reference', () => {
  let gpu: WebGPUBackend;
  beforeAll(async () => {
    gpu = await createWebGPUBackend();
    registerBackend('matmul-test-webgpu', () => gpu, 0);
    registerBackend('matmul-test-cpu', () => new CpuBackend({ fast: false }), 0);
  });
  afterAll(() => {
    removeBackend('matmul-test-webgpu');
    removeBackend('matmul-test-cpu');
  });

  it.each(CASES.map((c) => [describeCase(c), c] as const))(
    '%s',
    async (_, c) => {
      const offset = c.offset ?? 0;
      const [aRows, aCols] = c.transA ? [c.k, c.m] : [c.m, c.k];
      const [bRows, bCols] = c.transB ? [c.n, c.k] : [c.k, c.n];
      const size = (batch: number[], r: number, k: number) => batch.reduce((x, y) => x * y, 1) * r * k + offset;
      const aData = values(size(c.batchA ?? [], aRows, aCols));
      const bData = values(size(c.batchB ?? [], bRows, bCols));
      const run = async (backend: string) => {
        await setBackend(backend);
        const before = memory().numTensors;
        const out = tidy(() => {
          const a = operand(c.batchA ?? [], aRows, aCols, !!c.viewA, offset, aData);
          const b = operand(c.batchB ?? [], bRows, bCols, !!c.viewB, offset, bData);
          return matmul(a, b, { transposeA: c.transA, transposeB: c.transB });
        });
        const result = { shape: out.shape, data: (await out.data()) as Float32Array };
        out.dispose();
        return { ...result, leaked: memory().numTensors - before };
      };
      const want = await run('matmul-test-cpu');
      const got = await run('matmul-test-webgpu');
      expect(got.shape, describeCase(c)).toEqual(want.shape);
      let scale = 1;
      for (const v of want.data) scale = Math.max(scale, Math.abs(v));
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]) / scale);
      expect(worst, describeCase(c)).toBeLessThan(1e-5);
      expect(got.leaked, 'tensors left after the case').toBe(0);
    },
    180_000,
  ); // the 70,000-batch case dispatches more workgroups than one dimension holds: slow on a software GPU
});
