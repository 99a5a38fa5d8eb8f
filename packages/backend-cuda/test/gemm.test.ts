import { bfloat16BitsToFloat32, float32ToBfloat16Bits } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { emulatedMissing, needsEmulated } from './emulated.js';
import { CudaBackend, type GemmFormat } from '../src/index.js';

/**
 * The direct GEMM's portable kernels (the twin the tensor-core kernel is checked against on a GPU)
 * against a float64 product of the operands rounded as the format rounds them.
 */
function values(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) / 2 ** 23 - 1;
  });
}

/** TF32: 10 mantissa bits, nearest with ties away from zero. */
function tf32(v: Float32Array): Float32Array {
  const bits = new Uint32Array(Float32Array.from(v).buffer);
  for (let i = 0; i < bits.length; i++) bits[i] = ((bits[i] + 0x1000) & 0xffffe000) >>> 0;
  return new Float32Array(bits.buffer);
}

const ROUND: Record<GemmFormat, (v: Float32Array) => Float32Array> = {
  float32: (v) => v,
  tf32,
  bfloat16: (v) => bfloat16BitsToFloat32(float32ToBfloat16Bits(v)),
};

function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * k + p] * b[p * n + j];
  return out;
}

describe.skipIf(emulatedMissing !== null)(needsEmulated('direct GEMM on the emulated build'), () => {
  it.each(['float32', 'tf32', 'bfloat16'] as const)(
    '%s: the portable kernel equals the product of the rounded operands',
    async (format) => {
      const backend = new CudaBackend({ emulated: true });
      const [m, n, k] = [70, 66, 40];
      const a = values(m * k, 1);
      const b = values(k * n, 2);
      const gemm = backend.gemm(format, m, n, k, a, b);
      // the emulated build has no tensor cores: the fastest path is the portable one
      expect(gemm.run('fastest')).toBe('portable');
      const got = await gemm.read();
      gemm.dispose();
      const want = reference(ROUND[format](a), ROUND[format](b), m, n, k);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst).toBeLessThan(1e-5);
      backend.dispose();
    },
  );

  it('refuses cuBLAS where it is not loaded, and shapes that do not match the data', () => {
    const backend = new CudaBackend({ emulated: true });
    const gemm = backend.gemm('float32', 2, 2, 2, values(4, 3), values(4, 4));
    expect(() => gemm.run('cublas')).toThrow(/^cuda: gemm: cuBLAS did not run/);
    gemm.dispose();
    expect(() => backend.gemm('float32', 2, 3, 4, values(6, 1), values(12, 2))).toThrow(
      'cuda: gemm: A must have 2×4 values and B 4×3, got 6 and 12',
    );
    backend.dispose();
  });
});
