import {
  QuantizedLinear,
  QuantizedWeight,
  dequantize,
  dequantizeData,
  quantizeWeight,
  quantizedMatmul,
  sum,
  tensor,
  type QuantizationConfig,
  type QuantizedWeightData,
  type Tensor,
} from '@peftjs/core';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose } from '../util/compare.js';
import { normals } from '../util/inputs.js';
import { read, readAndDispose } from '../util/tensors.js';

interface Format {
  readonly label: string;
  readonly config: QuantizationConfig;
}

const FORMATS: readonly Format[] = [
  { label: 'nf4 double-quantized', config: { bits: 4 } },
  { label: 'nf4 float32 absmax', config: { bits: 4, doubleQuant: false } },
  { label: 'int8', config: { bits: 8 } },
];

/** [M, rows, cols]: a partial last block and words (37·70 = 2590 elements), and sizes that fill 64-wide tiles. */
const SHAPES: readonly (readonly [number, number, number])[] = [
  [5, 37, 70],
  [70, 72, 128],
];

function hostWeight(rows: number, cols: number, config: QuantizationConfig, seed: number): QuantizedWeightData {
  return quantizeWeight(
    normals(seed, rows * cols).map((v) => v * 0.05),
    rows,
    cols,
    config,
  );
}

/** x · op(W) in float64 from the host dequantization: an oracle that shares no code with any kernel. */
function oracle(x: Float64Array, m: number, w: Float32Array, rows: number, cols: number, transposeWeight: boolean): Float64Array {
  const k = transposeWeight ? cols : rows;
  const n = transposeWeight ? rows : cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let p = 0; p < k; p++) dot += x[i * k + p] * (transposeWeight ? w[j * cols + p] : w[p * cols + j]);
      out[i * n + j] = dot;
    }
  }
  return out;
}

interface Result {
  out: Float64Array;
  dx: Float64Array;
}

/** y = x · op(W) and d sum(y ⊙ seed) / dx, on the active backend in `dtype`. */
async function forwardBackward(
  data: QuantizedWeightData,
  x: Float64Array,
  m: number,
  seed: Float64Array,
  transposeWeight: boolean,
  dtype: 'float32' | 'float64',
): Promise<Result> {
  const weight = QuantizedWeight.fromData(data);
  const k = transposeWeight ? data.cols : data.rows;
  const n = transposeWeight ? data.rows : data.cols;
  const xt = tensor(x, { shape: [m, k], dtype });
  xt.requiresGrad = true;
  const s = tensor(seed, { shape: [m, n], dtype });
  try {
    const y = quantizedMatmul(xt, weight, transposeWeight);
    const ys = y.mul(s);
    const loss = sum(ys);
    loss.backward();
    const out = await readAndDispose(y);
    ys.dispose();
    loss.dispose();
    return { out, dx: await read(xt.grad!) };
  } finally {
    xt.grad?.dispose();
    xt.dispose();
    s.dispose();
    weight.dispose();
  }
}

function matmulCase(format: Format, [m, rows, cols]: readonly [number, number, number], transposeWeight: boolean): ConformanceCase {
  const what = transposeWeight ? `x [${m},${cols}] · Wᵀ` : `x [${m},${rows}] · W`;
  return {
    suite: 'quantized',
    name: `quantizedMatmul ${format.label}: ${what}, W [${rows},${cols}]`,
    run: async (ctx: CaseContext) => {
      const data = hostWeight(rows, cols, format.config, rows * 31 + cols);
      const k = transposeWeight ? cols : rows;
      const n = transposeWeight ? rows : cols;
      const x = normals(m * 7 + k, m * k);
      const seed = normals(m * 11 + n, m * n);
      const want = await ctx.onReference(() => forwardBackward(data, x, m, seed, transposeWeight, 'float64'));
      const w = dequantizeData(data);
      assertClose(
        `${what}: the reference vs a float64 oracle`,
        want.out,
        oracle(x, m, w, rows, cols, transposeWeight),
        ctx.tolerances.float64,
        [m, n],
      );
      // the input gradient of a linear map is the map's transpose applied to the seed: exact up to rounding
      assertClose(
        `${what}: reference d/dx vs the transposed product`,
        want.dx,
        oracle(seed, m, w, rows, cols, !transposeWeight),
        ctx.tolerances.float64,
        [m, k],
      );
      const got = await ctx.onBackend(() => forwardBackward(data, x, m, seed, transposeWeight, 'float32'));
      assertClose(`${what} on ${ctx.backend.name} vs reference`, got.out, want.out, ctx.tolerances.reduction, [m, n]);
      assertClose(`${what}: d/dx on ${ctx.backend.name} vs reference`, got.dx, want.dx, ctx.tolerances.gradient, [m, k]);
    },
  };
}

function dequantizeCase(format: Format): ConformanceCase {
  const [rows, cols] = [37, 70];
  return {
    suite: 'quantized',
    name: `dequantize ${format.label}: W [${rows},${cols}] against the host decoding`,
    run: async (ctx) => {
      const data = hostWeight(rows, cols, format.config, 5);
      const got = await ctx.onBackend(async () => {
        const weight = QuantizedWeight.fromData(data);
        try {
          return await readAndDispose(dequantize(weight));
        } finally {
          weight.dispose();
        }
      });
      assertClose('dequantize', got, dequantizeData(data), ctx.tolerances.elementwise, [rows, cols]);
    },
  };
}

const linearCase: ConformanceCase = {
  suite: 'quantized',
  name: 'QuantizedLinear nf4 with bias on [2,3,64]: output and gradients of the input and bias vs the reference',
  run: async (ctx) => {
    const [out, inp] = [24, 64];
    const w = normals(3, out * inp).map((v) => v * 0.1);
    const b = normals(4, out);
    const x = normals(5, 2 * 3 * inp);
    const run = (dtype: 'float32' | 'float64') => async () => {
      const bias = tensor(b, { shape: [out], dtype });
      const layer = QuantizedLinear.fromValues(w, out, inp, { bits: 4 }, bias);
      bias.dispose();
      layer.bias!.requiresGrad = true;
      const xt = tensor(x, { shape: [2, 3, inp], dtype });
      xt.requiresGrad = true;
      let y: Tensor | undefined;
      try {
        y = layer.forward(xt);
        const squares = y.square();
        const loss = sum(squares);
        loss.backward();
        squares.dispose();
        loss.dispose();
        return { y: await read(y), dx: await read(xt.grad!), db: await read(layer.bias!.grad!) };
      } finally {
        y?.dispose();
        xt.grad?.dispose();
        xt.dispose();
        layer.bias!.grad?.dispose();
        layer.dispose();
      }
    };
    const want = await ctx.onReference(run('float64'));
    const got = await ctx.onBackend(run('float32'));
    assertClose('QuantizedLinear output', got.y, want.y, ctx.tolerances.reduction, [2, 3, out]);
    assertClose('QuantizedLinear d/dx', got.dx, want.dx, ctx.tolerances.gradient, [2, 3, inp]);
    assertClose('QuantizedLinear d/dbias', got.db, want.db, ctx.tolerances.gradient, [out]);
  },
};

/** The quantized base layers: the fused dequantize-matmul (both directions), dequantize, QuantizedLinear. */
export const quantizedCases: ConformanceCase[] = [
  ...FORMATS.flatMap((f) => SHAPES.flatMap((s) => [matmulCase(f, s, true), matmulCase(f, s, false)])),
  ...FORMATS.map(dequantizeCase),
  linearCase,
];
