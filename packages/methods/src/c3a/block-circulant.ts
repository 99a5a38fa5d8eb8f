import { tensor, tidy, type Tensor } from '@peftjs/core';

/**
 * The block-circulant matrix [m·b, n·b] of kernels [m, n, b] that PEFT's C3A applies with FFTs
 * (fft(ifft(x) ⊙ fft(w)), a circular cross-correlation per block):
 *   W[i·b + k, j·b + l] = w[i, j, (l − k) mod b].
 * Built by index-select of the kernels, so gradients reach them on every backend.
 */
export function blockCirculant(kernels: Tensor): Tensor {
  const [m, n, b] = kernels.shape as [number, number, number];
  const index = new Int32Array(b * b);
  for (let k = 0; k < b; k++) for (let l = 0; l < b; l++) index[k * b + l] = (((l - k) % b) + b) % b;
  return tidy(() =>
    kernels
      .indexSelect(2, tensor(index, { dtype: 'int32' }))
      .reshape([m, n, b, b])
      .permute([0, 2, 1, 3])
      .reshape([m * b, n * b]),
  );
}
