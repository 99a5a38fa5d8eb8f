import {
  add,
  fill,
  indexSelect,
  matmul,
  mul,
  noGrad,
  parameter,
  randn,
  reshape,
  sub,
  tensor,
  tidy,
  transpose,
  div,
  type Tensor,
} from '@peftjs/core';
import { blockDiagonal } from '../linalg/block-diagonal.js';
import { cayley } from '../linalg/cayley.js';
import { blockDropout } from '../oft/block-dropout.js';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer, type BaseState } from '../tuners/tuner-layer.js';
import { blockButterflyPerm, boftShape } from './butterfly.js';
import type { BOFTConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * BOFT (Liu et al., 2024) on a Linear layer, as PEFT computes it: `boft_R` [m, blocks, b, b] holds
 * m butterfly factors of blocks; each block's rotation is the exact Cayley transform of its skew
 * part ½(R − Rᵀ), each factor is P_i·blockdiag(rotations)·P_iᵀ with the butterfly permutation P_i,
 * and M = M_{m−1}···M_0. With the per-output scale `boft_s` [out, 1]:
 * y = x·(s ⊙ (W Mᵀ))ᵀ + b. Merging writes s ⊙ W Mᵀ; unmerging multiplies by M (Mᵀ = M⁻¹) and divides by s.
 */
export class BOFTLayer extends TunerLayer<BOFTConfig> {
  readonly adapterLayerNames = ['boft_R', 'boft_s'];
  readonly boftBlockSize = this.adapterMap<number>();
  readonly boftBlockNum = this.adapterMap<number>();
  readonly boftDropout = this.adapterMap<number>();
  /** Per adapter, the butterfly permutation of every factor. */
  private readonly permutations = this.adapterMap<number[][]>();

  get boftR(): ParameterDict {
    return this.dict('boft_R', () => new ParameterDict());
  }
  get boftS(): ParameterDict {
    return this.dict('boft_s', () => new ParameterDict());
  }

  updateLayer({ adapterName, config, key }: WrapContext<BOFTConfig>): void {
    const { inFeatures, outFeatures } = this.base;
    const { blockSize, blockNum, extraFactors } = boftShape(
      inFeatures,
      config.boftBlockSize,
      config.boftBlockNum,
      config.boftNButterflyFactor,
      key,
    );
    const dtype = this.base.dtype;
    const perms = Array.from({ length: extraFactors + 1 }, (_, i) =>
      blockButterflyPerm(inFeatures, blockNum / 2 ** i, Math.floor(blockSize / 2), extraFactors),
    );
    const shapeR = [extraFactors + 1, blockNum, blockSize, blockSize];
    const r = config.initWeights ? fill(shapeR, 0, dtype) : randn(shapeR, { std: 0.1, dtype });
    const s = config.initWeights ? fill([outFeatures, 1], 1, dtype) : randn([outFeatures, 1], { mean: 1, std: 0.1, dtype });
    this.configs.set(adapterName, config);
    this.boftBlockSize.set(adapterName, blockSize);
    this.boftBlockNum.set(adapterName, blockNum);
    this.boftDropout.set(adapterName, config.boftDropout);
    this.permutations.set(adapterName, perms);
    this.boftR.set(adapterName, parameter(r));
    this.boftS.set(adapterName, parameter(s));
  }

  /** The butterfly rotation M [in, in] of `adapter` (with multiplicative dropout when `dropout` > 0). */
  rotation(adapter: string, dropout = 0): Tensor {
    const r = this.boftR.at(adapter);
    const [factors, blocks, b] = r.shape as [number, number, number];
    const perms = this.permutations.get(adapter)!;
    return tidy(() => {
      const skew = mul(sub(r, transpose(r, -2, -1)), 0.5);
      let rotations = reshape(cayley(reshape(skew, [factors * blocks, b, b])), [factors, blocks, b, b]);
      if (dropout > 0) rotations = blockDropout(rotations, dropout, { batchPick: true });
      let m: Tensor | null = null;
      for (let i = 0; i < factors; i++) {
        const diagonal = blockDiagonal(reshape(rotations.slice(0, i, i + 1), [blocks, b, b]));
        // P·A·Pᵀ for the permutation matrix P[a, perm[a]] = 1 is A[perm[a], perm[c]]
        const index = tensor(Int32Array.from(perms[i]!), { shape: [perms[i]!.length] });
        const factor = indexSelect(indexSelect(diagonal, 0, index), 1, index);
        m = m === null ? factor : matmul(factor, m);
      }
      return m!;
    });
  }

  protected override applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    if (adapters.length === 0) return this.baseForward(x, ...rest);
    const { weight, bias, fanInFanOut, outFeatures } = this.base;
    return tidy(() => {
      let rotation: Tensor | null = null;
      let scale: Tensor | null = null;
      for (const adapter of adapters) {
        const m = this.rotation(adapter, this.training ? this.boftDropout.get(adapter)! : 0);
        rotation = rotation === null ? m : matmul(m, rotation);
        const s = this.boftS.at(adapter);
        scale = scale === null ? s : mul(s, scale);
      }
      // x·(s ⊙ W·Mᵀ)ᵀ = ((x·M)·Wᵀ) ⊙ sᵀ
      const input = x.cast(weight.dtype);
      const rotated = matmul(input, rotation!);
      const y = mul(matmul(rotated, weight, { transposeB: !fanInFanOut }), reshape(scale!, [outFeatures]));
      const out = bias ? add(y, bias) : y;
      return out.cast(x.dtype);
    });
  }

  private rotatedWeight(adapter: string, weight: Tensor, invert: boolean): Tensor {
    const { fanInFanOut, outFeatures } = this.base;
    return tidy(() => {
      const m = this.rotation(adapter);
      const s = this.boftS.at(adapter);
      const w = fanInFanOut ? transpose(weight) : weight;
      // merge: s ⊙ (W·Mᵀ); unmerge: (W'·M) / s, as PEFT (M is orthogonal)
      const result = invert ? div(matmul(w, m), s) : mul(matmul(w, m, { transposeB: true }), reshape(s, [outFeatures, 1]));
      return (fanInFanOut ? transpose(result) : result).contiguous();
    });
  }

  override mergedBaseState(adapter: string, state: BaseState): BaseState {
    const out = new Map(state);
    out.set(
      'weight',
      noGrad(() => this.rotatedWeight(adapter, state.get('weight')!, false)),
    );
    return out;
  }

  override unmergedBaseState(adapter: string, state: BaseState): BaseState {
    const out = new Map(state);
    out.set(
      'weight',
      noGrad(() => this.rotatedWeight(adapter, state.get('weight')!, true)),
    );
    return out;
  }
}
