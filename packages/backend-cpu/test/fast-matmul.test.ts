import type { DType, Layout } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FAST_MATMUL_CONFIG,
  createFastMatmul,
  fastMatmulFloat32,
  type FastMatmulArgs,
  type FastStorage,
} from '../src/fast/matmul.js';

type Info = FastMatmulArgs['a'];

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function contiguous(shape: readonly number[]): Layout {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i];
  }
  return { shape: [...shape], strides, offset: 0 };
}

function info(data: FastStorage['data'], layout: Layout, dtype: DType = 'float32'): Info {
  return { storage: { data }, layout, dtype };
}

/** A buffer of `length` random values in [-1, 1) seen through `layout`. */
function random(next: () => number, length: number, layout: Layout): Info {
  return info(
    Float32Array.from({ length }, () => next() * 2 - 1),
    layout,
  );
}

/** The element of `t` at a multi-index, read through its strides. */
function at(t: Info, index: readonly number[]): number {
  let offset = t.layout.offset;
  for (let d = 0; d < index.length; d++) offset += index[d] * t.layout.strides[d];
  return t.storage.data[offset];
}

/**
 * The oracle: a plain triple loop in float64 over every batch index, returning out in row-major
 * order and, per element, Σ|a·b| (the scale the float32 rounding error is measured against).
 */
function reference(a: Info, b: Info, transA: boolean, transB: boolean, outShape: readonly number[]) {
  const rank = outShape.length;
  const [m, n] = [outShape[rank - 2], outShape[rank - 1]];
  const k = a.layout.shape[transA ? rank - 2 : rank - 1];
  const batch = outShape.slice(0, rank - 2);
  const batches = batch.reduce((x, y) => x * y, 1);
  const values = new Float64Array(batches * m * n);
  const scale = new Float64Array(batches * m * n);
  for (let bi = 0; bi < batches; bi++) {
    const index: number[] = [];
    for (let d = batch.length - 1, rest = bi; d >= 0; d--) {
      index[d] = rest % batch[d];
      rest = Math.floor(rest / batch[d]);
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let dot = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const x = at(a, transA ? [...index, p, i] : [...index, i, p]);
          const y = at(b, transB ? [...index, j, p] : [...index, p, j]);
          dot += x * y;
          abs += Math.abs(x * y);
        }
        values[(bi * m + i) * n + j] = dot;
        scale[(bi * m + i) * n + j] = abs;
      }
    }
  }
  return { values, scale };
}

function expectMatches(
  run: (args: FastMatmulArgs) => boolean,
  a: Info,
  b: Info,
  transA: boolean,
  transB: boolean,
  outShape: number[],
): void {
  const size = outShape.reduce((x, y) => x * y, 1);
  const out = info(new Float32Array(size).fill(Number.NaN), contiguous(outShape));
  expect(run({ a, b, transA, transB, out })).toBe(true);
  const { values, scale } = reference(a, b, transA, transB, outShape);
  const got = out.storage.data;
  for (let i = 0; i < size; i++) {
    const tol = 1e-4 * scale[i] + 1e-30;
    if (!(Math.abs(got[i] - values[i]) <= tol)) {
      expect.fail(`shape [${outShape}] transA=${transA} transB=${transB}: element ${i} is ${got[i]}, expected ${values[i]} (±${tol})`);
    }
  }
}

/** A random 2-D operand of logical shape [rows, cols], stored transposed when `trans`. */
function operand(next: () => number, rows: number, cols: number, trans: boolean): Info {
  const shape = trans ? [cols, rows] : [rows, cols];
  return random(next, rows * cols, contiguous(shape));
}

const SIZES = [1, 3, 17, 65, 130];

describe('fastMatmulFloat32', () => {
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`matches the float64 triple loop for odd sizes (transA=${transA}, transB=${transB})`, () => {
      const next = rng(1 + Number(transA) + 2 * Number(transB));
      for (const m of SIZES) {
        for (const n of SIZES) {
          for (const k of SIZES) {
            // the largest cubes are slow in the float64 oracle: sample them
            if (m * n * k > 17 * 65 * 130 && next() < 0.7) continue;
            const a = operand(next, m, k, transA);
            const b = operand(next, k, n, transB);
            expectMatches(fastMatmulFloat32, a, b, transA, transB, [m, n]);
          }
        }
      }
    });
  }

  it('crosses every block boundary (small blocks, several register tiles)', () => {
    const next = rng(7);
    for (const [mr, nr] of [
      [4, 8],
      [6, 8],
      [4, 12],
      [1, 4],
      [3, 16],
    ]) {
      // kc 5, B panels of 3 column slivers, A and C chunks of 2 row slivers swept one at a time; with and without FMA
      const run = createFastMatmul({ mr, nr, mc: mr + 1, kc: 5, panelFloats: 3 * nr * 5, chunkFloats: 6 * mr * nr }, { fma: mr !== 4 });
      for (const [m, n, k] of [
        [1, 1, 1],
        [29, 37, 41],
        [65, 17, 130],
        [3, 130, 17],
      ]) {
        for (const [transA, transB] of [
          [false, false],
          [true, true],
        ]) {
          expectMatches(run, operand(next, m, k, transA), operand(next, k, n, transB), transA, transB, [m, n]);
        }
      }
    }
  });

  it('gives the same bits on 1, 2 and 3 threads, run after run (the split is by rows of C only)', async () => {
    const next = rng(19);
    const single = createFastMatmul(DEFAULT_FAST_MATMUL_CONFIG, { threads: 1 });
    const runs = [2, 3].map((threads) => createFastMatmul(DEFAULT_FAST_MATMUL_CONFIG, { threads }));
    for (const [run, threads] of [
      [runs[0], 2],
      [runs[1], 3],
    ] as const)
      expect(await run.whenReady()).toBe(threads - 1);
    // the LoRA head shapes too: thin n (r = 8), thin k, a long k that crosses many kc blocks
    for (const [m, n, k, transA, transB] of [
      [160, 96, 120, false, false],
      [512, 8, 128, false, true],
      [512, 384, 8, false, true],
      [40, 24, 3000, true, false],
    ] as const) {
      const a = operand(next, m, k, transA);
      const b = operand(next, k, n, transB);
      const result = (run: typeof single) => {
        const out = info(new Float32Array(m * n), contiguous([m, n]));
        expect(run({ a, b, transA, transB, out })).toBe(true);
        return out.storage.data;
      };
      const expected = result(single);
      for (const run of runs) for (let again = 0; again < 2; again++) expect(result(run)).toEqual(expected);
      if (m * n * k < 2e6) expectMatches(runs[0], a, b, transA, transB, [m, n]);
    }
  }, 60000);

  it('broadcasts a shared B over the batch (stride 0) and a shared A', () => {
    const next = rng(11);
    const [m, k, n] = [17, 65, 33];
    // a: [2, 3, m, k]; b: one [k, n] matrix broadcast to [2, 3, k, n]
    const a = random(next, 6 * m * k, contiguous([2, 3, m, k]));
    const b = random(next, k * n, { shape: [2, 3, k, n], strides: [0, 0, n, 1], offset: 0 });
    expectMatches(fastMatmulFloat32, a, b, false, false, [2, 3, m, n]);
    // b broadcast over the first batch axis only (stride 0), distinct along the second
    const b2 = random(next, 3 * k * n, { shape: [2, 3, k, n], strides: [0, k * n, n, 1], offset: 0 });
    expectMatches(fastMatmulFloat32, a, b2, false, false, [2, 3, m, n]);
    // transA with a shared B: the folded rows jump at every batch boundary inside one block of A
    const aT = random(next, 6 * k * m, contiguous([2, 3, k, m]));
    expectMatches(fastMatmulFloat32, aT, b, true, false, [2, 3, m, n]);
    // a shared by every batch element, b distinct, transB
    const sharedA = random(next, m * k, { shape: [2, 3, m, k], strides: [0, 0, k, 1], offset: 0 });
    const bT = random(next, 6 * n * k, contiguous([2, 3, n, k]));
    expectMatches(fastMatmulFloat32, sharedA, bT, false, true, [2, 3, m, n]);
  });

  it('reads non-contiguous strided views (offsets, steps, permuted axes)', () => {
    const next = rng(13);
    const [m, k, n] = [19, 23, 21];
    // a: every other column of a [m, 2k + 3] buffer, starting at an offset
    const a = random(next, 5 + m * (2 * k + 3), { shape: [m, k], strides: [2 * k + 3, 2], offset: 5 });
    // b: a [n, k] buffer seen as [k, n] through swapped strides, with a row pitch > k
    const b = random(next, 2 + n * (k + 4), { shape: [k, n], strides: [1, k + 4], offset: 2 });
    expectMatches(fastMatmulFloat32, a, b, false, false, [m, n]);
    expectMatches(fastMatmulFloat32, a, { ...b, layout: { shape: [n, k], strides: [k + 4, 1], offset: 2 } }, false, true, [m, n]);
    // batched a with permuted batch axes (the outer one has the smaller stride), every other element, transA
    const batchA = random(next, 3 * 2 * k * m * 2, { shape: [2, 3, k, m], strides: [k * m * 2, 2 * 2 * k * m, 2 * m, 2], offset: 1 });
    const batchB = random(next, 3 * 2 * k * n, { shape: [2, 3, k, n], strides: [k * n, 2 * k * n, n, 1], offset: 0 });
    expectMatches(fastMatmulFloat32, batchA, batchB, true, false, [2, 3, m, n]);
  });

  it('keeps working after its scratch grows and shrinks back (buffers reused across calls)', () => {
    const next = rng(17);
    for (const s of [130, 3, 260, 1, 65]) {
      expectMatches(fastMatmulFloat32, operand(next, s, 31, false), operand(next, 31, s, true), false, true, [s, s]);
    }
  });

  it('writes zeros when the inner dimension is 0 and does nothing for empty outputs', () => {
    const out = info(new Float32Array(6).fill(7), contiguous([2, 3]));
    const a = info(new Float32Array(0), contiguous([2, 0]));
    const b = info(new Float32Array(0), contiguous([0, 3]));
    expect(fastMatmulFloat32({ a, b, transA: false, transB: false, out })).toBe(true);
    expect(Array.from(out.storage.data)).toEqual([0, 0, 0, 0, 0, 0]);
    const empty = info(new Float32Array(0), contiguous([0, 3]));
    expect(
      fastMatmulFloat32({
        a: info(new Float32Array(0), contiguous([0, 2])),
        b: info(new Float32Array(6), contiguous([2, 3])),
        transA: false,
        transB: false,
        out: empty,
      }),
    ).toBe(true);
  });

  it('propagates NaN and infinity only into the rows and columns they touch', () => {
    const a = info(Float32Array.from([1, 2, Number.NaN, 4, 5, 6]), contiguous([3, 2]));
    const b = info(Float32Array.from([1, 0, Number.POSITIVE_INFINITY, 0, 1, 0]), contiguous([2, 3]));
    const out = info(new Float32Array(9), contiguous([3, 3]));
    expect(fastMatmulFloat32({ a, b, transA: false, transB: false, out })).toBe(true);
    expect(Array.from(out.storage.data)).toEqual([
      1,
      2,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      5,
      6,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it('declines other dtypes without touching out, so the reference kernel runs', () => {
    const a = info(Float64Array.from([1, 2, 3, 4]), contiguous([2, 2]), 'float64');
    const b = info(Float64Array.from([1, 0, 0, 1]), contiguous([2, 2]), 'float64');
    const out = info(new Float64Array(4).fill(9), contiguous([2, 2]), 'float64');
    expect(fastMatmulFloat32({ a, b, transA: false, transB: false, out })).toBe(false);
    expect(Array.from(out.storage.data)).toEqual([9, 9, 9, 9]);
    const ints = info(Int32Array.from([1, 2, 3, 4]), contiguous([2, 2]), 'int32');
    const intOut = info(new Int32Array(4), contiguous([2, 2]), 'int32');
    expect(fastMatmulFloat32({ a: ints, b: ints, transA: false, transB: false, out: intOut })).toBe(false);
  });
});
