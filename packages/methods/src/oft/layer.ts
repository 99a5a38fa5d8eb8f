import { noGrad, tidy, transpose, type Tensor } from '@peftjs/core';
import { inverse } from '../linalg/solve.js';
import { ModuleDict } from '../tuners/adapter-dict.js';
import { TunerLayer, type BaseState } from '../tuners/tuner-layer.js';
import type { OFTConfig } from './config.js';
import { OFTRotationModule, rotateWeightColumns } from './rotation.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * PEFT's adjust_oft_parameters: the divisor of `inFeatures` nearest to `value` (the lower one on
 * a tie), or inFeatures itself when value exceeds it.
 */
export function nearestDivisor(inFeatures: number, value: number): number {
  if (value >= inFeatures) return inFeatures;
  let higher = value;
  while (higher <= inFeatures && inFeatures % higher !== 0) higher++;
  let lower = value;
  while (lower > 1 && inFeatures % lower !== 0) lower--;
  return value - lower <= higher - value ? lower : higher;
}

/** The number of blocks and their size for a layer of `inFeatures` inputs (PEFT adjusts a size that does not divide, with a warning). */
export function oftBlocks(inFeatures: number, r: number, blockSize: number, key: string): { r: number; blockSize: number } {
  if (r === 0) {
    let size = blockSize;
    if (inFeatures % size !== 0 || size > inFeatures) {
      size = nearestDivisor(inFeatures, size);
      console.warn(`OFT: oftBlockSize ${blockSize} does not divide in_features ${inFeatures} of '${key}'; using ${size}`);
    }
    return { r: inFeatures / size, blockSize: size };
  }
  let blocks = r;
  if (inFeatures % blocks !== 0 || blocks > inFeatures) {
    blocks = nearestDivisor(inFeatures, blocks);
    console.warn(`OFT: r ${r} does not divide in_features ${inFeatures} of '${key}'; using ${blocks}`);
  }
  return { r: blocks, blockSize: inFeatures / blocks };
}

/**
 * OFT (Qiu et al., 2023) on a Linear layer, as PEFT 0.18 computes it: the input is rotated block
 * by block, y = W·(x·blockdiag(R))ᵀ + b, with R_j orthogonal from the packed skew-symmetric
 * `oft_R.<adapter>.weight`. Merging multiplies the weight's column blocks by R_jᵀ; unmerging by
 * R_j⁻ᵀ (a true inverse: the Cayley–Neumann R is only nearly orthogonal).
 */
export class OFTLayer extends TunerLayer<OFTConfig> {
  readonly adapterLayerNames = ['oft_R'];
  readonly r = this.adapterMap<number>();
  readonly oftBlockSize = this.adapterMap<number>();
  readonly moduleDropout = this.adapterMap<number>();

  get oftR(): ModuleDict<OFTRotationModule> {
    return this.dict('oft_R', () => new ModuleDict<OFTRotationModule>());
  }

  updateLayer({ adapterName, config, key }: WrapContext<OFTConfig>): void {
    const { inFeatures } = this.base;
    const { r, blockSize } = oftBlocks(inFeatures, config.r, config.oftBlockSize, key);
    const dtype = this.base.dtype;
    const rotation = new OFTRotationModule(
      {
        blocks: r,
        blockSize,
        coft: config.coft,
        eps: config.eps,
        blockShare: config.blockShare,
        useCayleyNeumann: config.useCayleyNeumann,
        numCayleyNeumannTerms: config.numCayleyNeumannTerms,
      },
      dtype,
    );
    rotation.reset(config.initWeights);
    this.configs.set(adapterName, config);
    this.r.set(adapterName, r);
    this.oftBlockSize.set(adapterName, blockSize);
    this.moduleDropout.set(adapterName, config.moduleDropout);
    this.oftR.set(adapterName, rotation);
  }

  protected override applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    let h = x;
    for (const adapter of adapters) {
      const dropout = this.training ? this.moduleDropout.get(adapter)! : 0;
      const next = this.oftR.at(adapter).forward(h, dropout);
      if (h !== x) h.dispose();
      h = next;
    }
    const out = this.baseForward(h, ...rest);
    if (h !== x) h.dispose();
    return out;
  }

  /** The base weight with the adapter's rotation merged in (or, with `invert`, taken out). */
  private rotateWeight(adapter: string, state: BaseState, invert: boolean): BaseState {
    const weight = state.get('weight')!;
    const { fanInFanOut } = this.base;
    const rotation = this.oftR.at(adapter);
    const out = new Map(state);
    out.set(
      'weight',
      noGrad(() =>
        tidy(() => {
          const blocks = rotation.rotationBlocks();
          // GPT-2's Conv1D stores the weight [in, out]
          const w = fanInFanOut ? transpose(weight) : weight;
          const rotated = rotateWeightColumns(w, invert ? inverse(blocks) : blocks, rotation.settings.blockSize);
          return fanInFanOut ? transpose(rotated).contiguous() : rotated;
        }),
      ),
    );
    return out;
  }

  override mergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.rotateWeight(adapter, state, false);
  }

  override unmergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.rotateWeight(adapter, state, true);
  }
}
