import { inFloat32 } from '../amp/autocast.js';
import { engine } from '../engine.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { QuantizedWeight } from '../quant/quantized-weight.js';
import { assertFloat, assertTensor } from './tensor-like.js';
import { contiguous, reshape } from './views.js';

export interface QuantizedMatmulAttrs {
  readonly weight: QuantizedWeight;
  readonly transposeWeight: boolean;
}

function assertWeight(weight: QuantizedWeight, op: string): void {
  if (!weight || typeof weight.tensors !== 'function') throw new TypeError(`${op}: weight must be a QuantizedWeight`);
  if (weight.isDisposed) throw new Error(`${op}: the quantized weight [${weight.rows}, ${weight.cols}] was disposed`);
}

/**
 * x · Wᵀ (transposeWeight, the default: x [..., cols] → [..., rows], a Linear's forward) or x · W
 * (x [..., rows] → [..., cols]) with W quantized, dequantized per block inside the kernel. The
 * gradient flows to x only: the quantized weight is frozen. It computes in float32 (the dequantized
 * blocks are float32), so in an autocast region a half `x` is cast up.
 */
export function quantizedMatmul(x: Tensor, weight: QuantizedWeight, transposeWeight = true): Tensor {
  assertTensor(x, 'quantizedMatmul', 'x');
  return inFloat32([x], (x32) => quantizedMatmulOf(x32, weight, transposeWeight));
}

function quantizedMatmulOf(x: Tensor, weight: QuantizedWeight, transposeWeight: boolean): Tensor {
  assertFloat(x, 'quantizedMatmul', 'x');
  assertWeight(weight, 'quantizedMatmul');
  const k = transposeWeight ? weight.cols : weight.rows;
  const n = transposeWeight ? weight.rows : weight.cols;
  if (x.rank === 0 || x.shape[x.rank - 1] !== k) {
    const w = transposeWeight ? `Wᵀ with W [${weight.rows}, ${weight.cols}]` : `W [${weight.rows}, ${weight.cols}]`;
    throw new RangeError(`quantizedMatmul: inner dimensions differ: x ${formatShape(x.shape)} @ ${w} needs x [..., ${k}]`);
  }
  const lead = x.shape.slice(0, -1);
  const m = lead.reduce((a, b) => a * b, 1);
  const dense = contiguous(x);
  const flat = reshape(dense, [m, k]);
  if (dense !== x) dense.dispose();
  const out2d = quantizedMatmul2d(flat, weight, transposeWeight);
  flat.dispose();
  const out = reshape(out2d, [...lead, n]);
  out2d.dispose();
  return out;
}

/** The kernel-level op on a contiguous [M, K] x (also used by the gradient rule). */
export function quantizedMatmul2d(x: Tensor, weight: QuantizedWeight, transposeWeight: boolean): Tensor {
  const n = transposeWeight ? weight.rows : weight.cols;
  const attrs: QuantizedMatmulAttrs = { weight, transposeWeight };
  const [out] = engine().execute({
    op: 'quantizedMatmul',
    inputs: [x, ...weight.tensors()],
    attrs,
    outputs: [{ shape: [x.shape[0], n], dtype: x.dtype }],
    run: (backend, [xi, ...wi], [o]) => backend.kernels.quantizedMatmul({ x: xi, weight: weight.info(wi), transposeWeight, out: o }),
  });
  return out;
}

/** W [rows, cols] dequantized into a new float tensor (float32 by default) on the weight's backend. */
export function dequantize(weight: QuantizedWeight, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  assertWeight(weight, 'dequantize');
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`dequantize: dtype must be float32 or float64, got ${String(dtype)}`);
  const [out] = engine().execute({
    op: 'dequantize',
    inputs: weight.tensors(),
    outputs: [{ shape: [weight.rows, weight.cols], dtype }],
    run: (backend, wi, [o]) => backend.kernels.dequantize({ weight: weight.info(wi), out: o }),
  });
  return out;
}
