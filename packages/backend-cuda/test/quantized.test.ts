import { CpuBackend } from '@peftjs/backend-cpu';
import {
  QuantizedWeight,
  dequantize,
  quantizeWeight,
  quantizedMatmul,
  registerBackend,
  removeBackend,
  setBackend,
  slice,
  tensor,
  type QuantizationConfig,
  type QuantizedWeightData,
  type Tensor,
} from '@peftjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatedMissing, needsEmulated } from './emulated.js';
import { CudaBackend } from '../src/index.js';

/**
 * The quantized kernels of the emulated build against the CPU reference: dequantize bit for bit
 * (every value is one rounded float32 product, or the double-quantized absmax's two rounded
 * operations, so the bits must agree), and quantizedMatmul on weights whose blocks cross nested
 * blocks, with storage offsets in every buffer.
 */
const FORMATS: readonly [string, QuantizationConfig][] = [
  ['nf4 double-quantized', { bits: 4 }],
  ['nf4 float32 absmax', { bits: 4, doubleQuant: false }],
  ['nf4 double-quantized, blocks of 32', { bits: 4, blockSize: 32 }],
  ['int8', { bits: 8 }],
];

/** [rows, cols]: partial words and blocks; 285 blocks of 64, more than one nested block of 256. */
const SHAPES: readonly [number, number][] = [
  [37, 70],
  [130, 140],
];

let state = 7;
function values(count: number, zeroRow = -1, cols = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    // heavy tails, so blocks' absmax values spread over several binades
    const u = (state >>> 8) / 2 ** 24 - 0.5;
    out[i] = Math.floor(i / cols) === zeroRow ? 0 : u * u * u * 8;
  }
  return out;
}

/** A contiguous view `pad` elements into a larger buffer (the kernel sees a storage offset). */
function padded(data: Int32Array | Float32Array, pad: number): Tensor {
  const dtype = data instanceof Int32Array ? 'int32' : 'float32';
  const whole = dtype === 'int32' ? new Int32Array(pad + data.length) : new Float32Array(pad + data.length);
  whole.fill(dtype === 'int32' ? -1 : 1e30);
  whole.set(data, pad);
  const full = tensor(whole, { shape: [whole.length], dtype });
  const view = slice(full, 0, pad);
  full.dispose();
  return view;
}

function upload(data: QuantizedWeightData, withOffsets: boolean): QuantizedWeight {
  if (!withOffsets) return QuantizedWeight.fromData(data);
  const n = data.nested;
  return QuantizedWeight.wrap(data, {
    codes: padded(data.codes, 3),
    codeMap: data.codeMap && padded(data.codeMap, 5),
    absmax: data.absmax && padded(data.absmax, 2),
    nested: n && {
      codes: padded(n.codes, 1),
      codeMap: padded(n.codeMap, 7),
      absmax: padded(n.absmax, 4),
      offset: padded(Float32Array.of(n.offset), 6),
      blockSize: n.blockSize,
    },
  });
}

async function onBackend<T>(name: string, run: () => Promise<T>): Promise<T> {
  await setBackend(name);
  return await run();
}

async function dequantized(data: QuantizedWeightData, withOffsets: boolean): Promise<Float32Array> {
  const weight = upload(data, withOffsets);
  try {
    const out = dequantize(weight);
    const got = (await out.data()) as Float32Array;
    out.dispose();
    return got;
  } finally {
    weight.dispose();
  }
}

async function product(data: QuantizedWeightData, x: Float32Array, m: number, transposeWeight: boolean): Promise<Float32Array> {
  const weight = upload(data, true);
  const k = transposeWeight ? data.cols : data.rows;
  const xt = padded(x, 9).reshape([m, k]);
  try {
    const y = quantizedMatmul(xt, weight, transposeWeight);
    const got = (await y.data()) as Float32Array;
    y.dispose();
    return got;
  } finally {
    xt.dispose();
    weight.dispose();
  }
}

describe.skipIf(emulatedMissing !== null)(needsEmulated('quantized kernels on the emulated CUDA build against the CPU reference'), () => {
  beforeAll(() => {
    registerBackend('quantized-test-cuda', () => new CudaBackend({ emulated: true }), 0);
    registerBackend('quantized-test-cpu', () => new CpuBackend({ fast: false }), 0);
  });
  afterAll(() => {
    removeBackend('quantized-test-cuda');
    removeBackend('quantized-test-cpu');
  });

  for (const [label, config] of FORMATS) {
    for (const [rows, cols] of SHAPES) {
      it(`dequantize ${label} W [${rows},${cols}]: the same float32 bits as the CPU reference`, async () => {
        const data = quantizeWeight(values(rows * cols, 3, cols), rows, cols, config);
        const want = await onBackend('quantized-test-cpu', () => dequantized(data, false));
        for (const withOffsets of [false, true]) {
          const got = await onBackend('quantized-test-cuda', () => dequantized(data, withOffsets));
          expect(got.length).toBe(rows * cols);
          const gotBits = new Uint32Array(got.buffer, got.byteOffset, got.length);
          const wantBits = new Uint32Array(want.buffer, want.byteOffset, want.length);
          const first = gotBits.findIndex((b, i) => b !== wantBits[i]);
          expect(first, `first differing element ${first}: ${got[first]} vs ${want[first]} (offsets ${withOffsets})`).toBe(-1);
        }
      });
    }
  }

  // M of 1 runs the thread-an-output kernel, 40 the 64×64 tiles (K not a multiple of their depth)
  for (const [label, config] of FORMATS) {
    for (const m of [1, 40]) {
      for (const transposeWeight of [true, false]) {
        const [rows, cols] = [130, 140];
        const what = transposeWeight ? `x [${m},${cols}] · Wᵀ` : `x [${m},${rows}] · W`;
        it(`quantizedMatmul ${label}: ${what}, W [${rows},${cols}], offsets in every buffer`, async () => {
          const data = quantizeWeight(values(rows * cols), rows, cols, config);
          const k = transposeWeight ? cols : rows;
          const x = values(m * k);
          const want = await onBackend('quantized-test-cpu', () => product(data, x, m, transposeWeight));
          const got = await onBackend('quantized-test-cuda', () => product(data, x, m, transposeWeight));
          expect(got.length).toBe(want.length);
          let worst = 0;
          let scale = 0;
          for (let i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
          }
          // float32 accumulation over K ≤ 140 terms against float64 dot products
          expect(scale).toBeGreaterThan(0);
          expect(worst / scale).toBeLessThan(1e-5);
        });
      }
    }
  }
});
