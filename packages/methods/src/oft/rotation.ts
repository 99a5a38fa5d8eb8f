import {
  Module,
  div,
  fill,
  matmul,
  maximum,
  mul,
  noGrad,
  parameter,
  randn,
  reshape,
  sqrt,
  sum,
  tidy,
  transpose,
  type Tensor,
} from '@peftjs/core';
import { cayley, cayleyNeumann } from '../linalg/cayley.js';
import { skewSymmetric, packedSize } from '../linalg/skew.js';
import { blockDropout } from './block-dropout.js';

export interface RotationSettings {
  /** Number of blocks the input is split into (in_features / blockSize). */
  blocks: number;
  blockSize: number;
  /** Constrained OFT: Q is projected into a ball of radius eps / √(rows) before each use. */
  coft: boolean;
  eps: number;
  /** One set of parameters for every block. */
  blockShare: boolean;
  useCayleyNeumann: boolean;
  numCayleyNeumannTerms: number;
}

/**
 * PEFT's OFTRotationModule: `weight` [rows, b(b−1)/2] holds the strict upper triangle of each
 * block's skew-symmetric Q (rows = blocks, or 1 with blockShare); the rotation of a block is the
 * Cayley transform of Q (exact, or the Cayley–Neumann series). The input's last dimension is
 * split into blocks of b, and block j is multiplied by R_j from the right (x ↦ x R_j).
 */
export class OFTRotationModule extends Module {
  constructor(
    readonly settings: RotationSettings,
    dtype: 'float32' | 'float64',
  ) {
    super();
    const rows = settings.blockShare ? 1 : settings.blocks;
    this.registerParameter('weight', parameter(fill([rows, packedSize(settings.blockSize)], 0, dtype)));
  }

  get weight(): Tensor {
    return this.get('weight')!;
  }

  /** PEFT's reset: Q = 0 (R = I) when `init` is true, else Q ~ N(0, 0.1²). */
  reset(init: boolean): void {
    noGrad(() => {
      const value = init ? fill(this.weight.shape, 0, this.weight.dtype) : randn(this.weight.shape, { std: 0.1, dtype: this.weight.dtype });
      this.weight.assign(value);
      value.dispose();
    });
  }

  /**
   * COFT's projection, applied to `weight` in place as PEFT does: a block whose skew matrix has a
   * Frobenius norm above eps/√rows is scaled down to that norm (‖Q‖_F = √2·‖packed‖).
   */
  project(): void {
    const { eps } = this.settings;
    noGrad(() => {
      const w = this.weight;
      const projected = tidy(() => {
        const radius = eps / Math.sqrt(w.shape[0]!);
        const norm = sqrt(mul(sum(w.square(), -1, true), 2));
        // min(1, radius / norm) without dividing by a zero norm
        const scale = div(radius, maximum(norm, radius));
        return mul(w, scale);
      });
      w.assign(projected);
      projected.dispose();
    });
  }

  /** The rotation blocks [rows, b, b] (rows = 1 with blockShare; it broadcasts over the blocks). */
  rotationBlocks(): Tensor {
    if (this.settings.coft) this.project();
    const { blockSize, useCayleyNeumann, numCayleyNeumannTerms } = this.settings;
    return tidy(() => {
      const q = skewSymmetric(this.weight, blockSize);
      return useCayleyNeumann ? cayleyNeumann(q, numCayleyNeumannTerms) : cayley(q);
    });
  }

  /** x ↦ x·blockdiag(R): each block of b inputs times its rotation; `dropout` is the multiplicative dropout rate (training). */
  forward(x: Tensor, dropout = 0): Tensor {
    const { blocks, blockSize } = this.settings;
    const inFeatures = blocks * blockSize;
    if (x.shape[x.rank - 1] !== inFeatures)
      throw new RangeError(`OFTRotationModule: expected input [..., ${inFeatures}], got [${x.shape.join(', ')}]`);
    return tidy(() => {
      let r = this.rotationBlocks();
      if (dropout > 0 && r.shape[0]! > 1) r = blockDropout(r, dropout);
      const input = x.cast(r.dtype);
      const rows = input.size / inFeatures;
      const byBlock = transpose(reshape(input, [rows, blocks, blockSize]), 0, 1);
      const rotated = transpose(matmul(byBlock, r), 0, 1).contiguous();
      const out = reshape(rotated, x.shape);
      return out.cast(x.dtype);
    });
  }
}

/**
 * W·blockdiag(B)ᵀ for a weight [out, in] and blocks [rows, b, b] (rows 1 or in/b): column block j
 * of W times B_jᵀ. With B = R it is OFT's merged weight (W·(x·blockdiag(R))ᵀ = W'·xᵀ); with
 * B = R⁻¹ it takes the merge back out.
 */
export function rotateWeightColumns(weight: Tensor, blocks: Tensor, blockSize: number): Tensor {
  return tidy(() => {
    const [out, inFeatures] = weight.shape as [number, number];
    const byBlock = transpose(reshape(weight, [out, inFeatures / blockSize, blockSize]), 0, 1);
    const rotated = transpose(matmul(byBlock, blocks.cast(weight.dtype), { transposeB: true }), 0, 1).contiguous();
    return reshape(rotated, [out, inFeatures]);
  });
}
