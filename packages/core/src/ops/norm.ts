import { inFloat32 } from '../amp/autocast.js';
import { engine, info } from '../engine.js';
import { formatShape, shapesEqual, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from './binary.js';
import { mean } from './reduce.js';
import { rsqrt, square } from './unary.js';
import { assertFloat, assertTensor } from './tensor-like.js';
import { reshape } from './views.js';

export interface NormAttrs {
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
}

function checkNorm(op: string, x: Tensor, normalizedShape: Shape, weight: Tensor | null, bias: Tensor | null, eps: number): number {
  assertTensor(x, op, 'x');
  assertFloat(x, op, 'x');
  const n = normalizedShape.length;
  const tail = x.shape.slice(x.rank - n);
  if (n === 0 || n > x.rank || !shapesEqual(tail, normalizedShape)) {
    throw new RangeError(
      `${op}: normalizedShape ${formatShape(normalizedShape)} must match the last dimensions of x ${formatShape(x.shape)}`,
    );
  }
  for (const [name, p] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (!p) continue;
    assertTensor(p, op, name);
    if (!shapesEqual(p.shape, normalizedShape) || p.dtype !== x.dtype) {
      throw new RangeError(`${op}: ${name} must be ${x.dtype} ${formatShape(normalizedShape)}, got ${p.dtype} ${formatShape(p.shape)}`);
    }
  }
  if (!(eps >= 0)) throw new RangeError(`${op}: eps must be a non-negative number, got ${eps}`);
  return sizeOf(normalizedShape);
}

/** PyTorch's F.layer_norm over the trailing `normalizedShape` (biased variance). */
export function layerNorm(x: Tensor, normalizedShape: Shape, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  assertTensor(x, 'layerNorm', 'x');
  return inFloat32([x, weight, bias], (x32, w32, b32) => layerNormOf(x32, normalizedShape, w32, b32, eps));
}

function layerNormOf(x: Tensor, normalizedShape: Shape, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const d = checkNorm('layerNorm', x, normalizedShape, weight, bias, eps);
  const e = engine();
  return e.scoped(() => {
    const rows = x.size / Math.max(d, 1);
    const x2 = reshape(x, [rows, d]);
    const w = weight ? reshape(weight, [d]) : null;
    const b = bias ? reshape(bias, [d]) : null;
    if (!x.ref.backend.kernels.layerNorm || !x.ref.backend.kernels.layerNormBackward) {
      const mu = mean(x2, -1, true);
      const centered = sub(x2, mu);
      const r = rsqrt(add(mean(square(centered), -1, true), eps));
      let y = mul(centered, r);
      if (w) y = mul(y, w);
      if (b) y = add(y, b);
      return reshape(y, x.shape);
    }
    const stats = [0, 1].map(() => e.makeTensor([rows], x.dtype, x.ref.backend));
    const inputs = [x2, ...(w ? [w] : []), ...(b ? [b] : [])];
    const attrs: NormAttrs = { eps, hasWeight: !!w, hasBias: !!b };
    const [y] = e.execute({
      op: 'layerNorm',
      inputs,
      attrs,
      saved: stats,
      outputs: [{ shape: [rows, d], dtype: x.dtype }],
      run: (backend, infos, [o]) => {
        const [mu, rstd] = stats.map(info);
        backend.kernels.layerNorm!({
          x: infos[0],
          weight: w ? infos[1] : null,
          bias: b ? infos[inputs.length - 1] : null,
          eps,
          out: o,
          mean: mu,
          rstd,
        });
      },
    });
    return reshape(y, x.shape);
  });
}

/** RMS norm over the trailing `normalizedShape`: x / sqrt(mean(x²) + eps) · weight. */
export function rmsNorm(x: Tensor, normalizedShape: Shape, weight: Tensor | null = null, eps = 1e-6): Tensor {
  assertTensor(x, 'rmsNorm', 'x');
  return inFloat32([x, weight], (x32, w32) => rmsNormOf(x32, normalizedShape, w32, eps));
}

function rmsNormOf(x: Tensor, normalizedShape: Shape, weight: Tensor | null, eps: number): Tensor {
  const d = checkNorm('rmsNorm', x, normalizedShape, weight, null, eps);
  const e = engine();
  return e.scoped(() => {
    const rows = x.size / Math.max(d, 1);
    const x2 = reshape(x, [rows, d]);
    const w = weight ? reshape(weight, [d]) : null;
    if (!x.ref.backend.kernels.rmsNorm || !x.ref.backend.kernels.rmsNormBackward) {
      let y = mul(x2, rsqrt(add(mean(square(x2), -1, true), eps)));
      if (w) y = mul(y, w);
      return reshape(y, x.shape);
    }
    const rstd = e.makeTensor([rows], x.dtype, x.ref.backend);
    const attrs: NormAttrs = { eps, hasWeight: !!w, hasBias: false };
    const [y] = e.execute({
      op: 'rmsNorm',
      inputs: w ? [x2, w] : [x2],
      attrs,
      saved: [rstd],
      outputs: [{ shape: [rows, d], dtype: x.dtype }],
      run: (backend, infos, [o]) =>
        backend.kernels.rmsNorm!({
          x: infos[0],
          weight: w ? infos[1] : null,
          eps,
          out: o,
          rstd: info(rstd),
        }),
    });
    return reshape(y, x.shape);
  });
}

/** Gradients of the fused layer norm: [dx, dweight?, dbias?] for inputs [x, weight?, bias?]. */
export function layerNormBackward(inputs: readonly Tensor[], mean: Tensor, rstd: Tensor, dy: Tensor, attrs: NormAttrs): Tensor[] {
  const [x] = inputs;
  const w = attrs.hasWeight ? inputs[1] : null;
  const d = x.shape[1];
  const outputs = [{ shape: x.shape, dtype: x.dtype }];
  if (attrs.hasWeight) outputs.push({ shape: [d], dtype: x.dtype });
  if (attrs.hasBias) outputs.push({ shape: [d], dtype: x.dtype });
  return engine().execute({
    op: 'layerNormBackward',
    inputs: w ? [x, w, mean, rstd, dy] : [x, mean, rstd, dy],
    outputs,
    run: (b, infos, outs) => {
      const [xi, wi, mi, ri, dyi] = w ? infos : [infos[0], null, ...infos.slice(1)];
      b.kernels.layerNormBackward!({
        x: xi,
        weight: wi,
        mean: mi!,
        rstd: ri!,
        dy: dyi!,
        dx: outs[0],
        dweight: attrs.hasWeight ? outs[1] : null,
        dbias: attrs.hasBias ? outs[outs.length - 1] : null,
      });
    },
  });
}

/** Gradients of the fused RMS norm: [dx, dweight?] for inputs [x, weight?]. */
export function rmsNormBackward(inputs: readonly Tensor[], rstd: Tensor, dy: Tensor, attrs: NormAttrs): Tensor[] {
  const [x] = inputs;
  const w = attrs.hasWeight ? inputs[1] : null;
  const outputs = [{ shape: x.shape, dtype: x.dtype }];
  if (w) outputs.push({ shape: w.shape, dtype: x.dtype });
  return engine().execute({
    op: 'rmsNormBackward',
    inputs: w ? [x, w, rstd, dy] : [x, rstd, dy],
    outputs,
    run: (b, infos, outs) => {
      const [xi, wi, ri, dyi] = w ? infos : [infos[0], null, ...infos.slice(1)];
      b.kernels.rmsNormBackward!({ x: xi, weight: wi, rstd: ri!, dy: dyi!, dx: outs[0], dweight: w ? outs[1] : null });
    },
  });
}
