import { QuantizedWeight, quantizeWeight, type QuantizationConfig } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { fastQuantizedMatmul } from '../src/fast/quantizedMatmul.js';
import { quantizedMatmul } from '../src/kernels/quantizedMatmul.js';
import { CpuBackend } from '../src/index.js';
import { tensor, values, zeros, type Info } from './helpers.js';

/** Deterministic values in [-scale, scale). */
function seeded(n: number, seed: number, scale = 1): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  });
}

/** The weight's kernel view, its buffers uploaded to a fresh CPU backend. */
function weightInfo(rows: number, cols: number, config: QuantizationConfig) {
  const data = quantizeWeight(seeded(rows * cols, rows + cols, 0.1), rows, cols, config);
  const backend = new CpuBackend();
  const w = QuantizedWeight.fromData(data, backend);
  const infos = w.tensors().map((t) => ({ storage: t.ref.storage, layout: t.layout, dtype: t.dtype }));
  return w.info(infos as Info[]);
}

describe('fast quantizedMatmul (dequantized panels through the SIMD GEMM) vs the reference', () => {
  // k = 2304 makes a panel 28 wide: several panels and a partial last one
  for (const [m, rows, cols, bits] of [
    [3, 60, 2304, 4],
    [9, 2304, 50, 4],
    [4, 70, 2304, 8],
  ] as const) {
    for (const transposeWeight of [true, false]) {
      it(`bits ${bits}, W [${rows},${cols}], ${transposeWeight ? 'x · Wᵀ' : 'x · W'}`, () => {
        const weight = weightInfo(rows, cols, { bits });
        const k = transposeWeight ? cols : rows;
        const n = transposeWeight ? rows : cols;
        const x = tensor(seeded(m * k, 9), [m, k], 'float32');
        const fast = zeros([m, n], 'float32');
        const ref = zeros([m, n], 'float64');
        expect(fastQuantizedMatmul({ x, weight, transposeWeight, out: fast })).toBe(true);
        quantizedMatmul({ x, weight, transposeWeight, out: ref });
        const want = values(ref);
        const scale = Math.max(...want.map(Math.abs));
        const got = values(fast);
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]) / scale, `element ${i}`).toBeLessThan(1e-5);
      });
    }
  }

  it('leaves float64 to the reference', () => {
    const weight = weightInfo(8, 64, { bits: 4 });
    const x = tensor(seeded(64, 1), [1, 64], 'float64');
    expect(fastQuantizedMatmul({ x, weight, transposeWeight: true, out: zeros([1, 8], 'float64') })).toBe(false);
  });
});
