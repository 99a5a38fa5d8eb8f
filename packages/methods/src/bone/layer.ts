import { fill, matmul, parameter, rand, tidy, type Tensor } from '@peftjs/core';
import { batLinear, batMergedState, batUnmergedState, chunkSum, tiledDelta } from '../miss/blocks.js';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer, type BaseState } from '../tuners/tuner-layer.js';
import type { BoneConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * Bone (Kang, 2024) on a Linear layer. Default form: y = W x + b + chunkSum(x)·bone_block with
 * bone_block [r, out] (an additive ΔW that repeats blockᵀ across the input). 'bat' form:
 * bone_block [out/r, r, r] and every r × r block of W becomes W_ij·B_i + B_i.
 */
export class BoneLayer extends TunerLayer<BoneConfig> {
  readonly adapterLayerNames = ['bone_block'];
  readonly boneR = this.adapterMap<number>();
  /** The form of each adapter: 'bat' or the default chunk-sum form. */
  readonly boneFn = this.adapterMap<'bat' | 'bone'>();

  get boneBlock(): ParameterDict {
    return this.dict('bone_block', () => new ParameterDict());
  }

  updateLayer({ adapterName, config, key }: WrapContext<BoneConfig>): void {
    const { inFeatures, outFeatures } = this.base;
    const dtype = this.base.dtype;
    const r = config.r;
    let block: Tensor;
    if (config.initWeights === 'bat') {
      if (inFeatures % r !== 0 || outFeatures % r !== 0)
        throw new RangeError(`Bone: 'bat' needs r (${r}) to divide both dimensions of '${key}' [${outFeatures}, ${inFeatures}]`);
      block = fill([outFeatures / r, r, r], 0, dtype);
    } else if (config.initWeights) {
      block = fill([r, outFeatures], 0, dtype);
    } else {
      const bound = 1 / Math.sqrt(outFeatures);
      block = rand([r, outFeatures], { low: -bound, high: bound, dtype });
    }
    this.configs.set(adapterName, config);
    this.boneR.set(adapterName, r);
    this.boneFn.set(adapterName, config.initWeights === 'bat' ? 'bat' : 'bone');
    this.boneBlock.set(adapterName, parameter(block));
  }

  protected override applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    if (adapters.length > 0 && adapters.every((a) => this.boneFn.get(a) === 'bat')) {
      const { weight, bias } = this.base;
      return batLinear(
        x,
        weight,
        bias,
        adapters.map((a) => this.boneBlock.at(a)),
      );
    }
    if (adapters.some((a) => this.boneFn.get(a) === 'bat'))
      throw new Error(`BoneLayer: adapters [${adapters.join(', ')}] mix the 'bat' form with the default form; activate them one at a time`);
    return super.applyAdapters(x, adapters, rest);
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    const block = this.boneBlock.at(adapter);
    return tidy(() => matmul(chunkSum(x.cast(block.dtype), block.shape[0]!), block));
  }

  override deltaWeight(adapter: string): Tensor {
    return tiledDelta(this.boneBlock.at(adapter), this.base.inFeatures);
  }

  override mergedBaseState(adapter: string, state: BaseState): BaseState {
    if (this.boneFn.get(adapter) !== 'bat') return super.mergedBaseState(adapter, state);
    return batMergedState(state, this.boneBlock.at(adapter));
  }

  override unmergedBaseState(adapter: string, state: BaseState): BaseState {
    if (this.boneFn.get(adapter) !== 'bat') return super.unmergedBaseState(adapter, state);
    return batUnmergedState(state, this.boneBlock.at(adapter));
  }
}
