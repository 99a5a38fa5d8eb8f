import { engine } from '../engine.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from './binary.js';
import { indexSelect } from './indexing.js';
import { concat } from './join.js';
import { matmul } from './matmul.js';
import { assertFloat, assertTensor } from './tensor-like.js';
import { permute, reshape } from './views.js';

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
}

function pair(value: number | readonly [number, number], name: string, min: number): [number, number] {
  const p: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  if (!p.every((v) => Number.isInteger(v) && v >= min))
    throw new RangeError(`conv2d: ${name} must be integers >= ${min}, got ${String(value)}`);
  return p;
}

/**
 * PyTorch's F.conv2d for x [N, C, H, W] and weight [O, C, kh, kw] (groups = 1), composed from
 * indexSelect and matmul (im2col): every backend runs it, and autograd follows the composition.
 * Padding reads an appended zero column, so no padded copy of the image is made.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  assertTensor(x, 'conv2d', 'x');
  assertTensor(weight, 'conv2d', 'weight');
  assertFloat(x, 'conv2d', 'x');
  if (x.rank !== 4) throw new RangeError(`conv2d: x must be [N, C, H, W], got ${formatShape(x.shape)}`);
  if (weight.rank !== 4 || weight.shape[1] !== x.shape[1]) {
    throw new RangeError(
      `conv2d: weight must be [O, ${x.shape[1]}, kh, kw] for x ${formatShape(x.shape)}, got ${formatShape(weight.shape)}`,
    );
  }
  const [n, c, h, w] = x.shape;
  const [o, , kh, kw] = weight.shape;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== o)) throw new RangeError(`conv2d: bias must be [${o}], got ${formatShape(bias.shape)}`);
  const [sh, sw] = pair(options.stride ?? 1, 'stride', 1);
  const [ph, pw] = pair(options.padding ?? 0, 'padding', 0);
  const [dh, dw] = pair(options.dilation ?? 1, 'dilation', 1);
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) throw new RangeError(`conv2d: kernel ${kh}x${kw} does not fit x ${formatShape(x.shape)} with padding ${ph},${pw}`);
  const k = c * kh * kw;
  const zero = c * h * w;
  const index = new Int32Array(oh * ow * k);
  let at = 0;
  for (let y = 0; y < oh; y++) {
    for (let xo = 0; xo < ow; xo++) {
      for (let ci = 0; ci < c; ci++) {
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw - pw + j * dw;
            index[at++] = iy < 0 || iy >= h || ix < 0 || ix >= w ? zero : ci * h * w + iy * w + ix;
          }
        }
      }
    }
  }
  const e = engine();
  return e.scoped(() => {
    const flat = reshape(x, [n, zero]);
    const zeros = e.makeTensor([n, 1], x.dtype, x.ref.backend, new (x.dtype === 'float64' ? Float64Array : Float32Array)(n));
    const padded = concat([flat, zeros], 1);
    const idx = e.makeTensor([oh * ow * k], 'int32', x.ref.backend, index);
    const cols = reshape(indexSelect(padded, 1, idx), [n, oh * ow, k]);
    let y = matmul(cols, reshape(weight, [o, k]), { transposeB: true }); // [n, L, o]
    if (bias) y = add(y, bias);
    return reshape(permute(y, [0, 2, 1]), [n, o, oh, ow]);
  });
}
