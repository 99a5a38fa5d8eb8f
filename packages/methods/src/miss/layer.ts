import { Dropout, expand, fill, matmul, parameter, rand, reshape, tidy, type Tensor } from '@peftjs/core';
import { ModuleDict, ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer, type BaseState } from '../tuners/tuner-layer.js';
import { batLinear, batMergedState, batUnmergedState, chunkSum, tiledDelta } from './blocks.js';
import type { MissConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

export type MissMode = 'miss' | 'bat' | 'mini';

/**
 * MiSS (Kang & Yin, 2025) on a Linear layer. Balanced form: y = W x + b + chunkSum(dropout(x))·D
 * with D = miss_block [r, out]; 'mini': miss_block [r, miniR] repeated out/miniR times across the
 * outputs; 'bat': miss_block [out/r, r, r] and every r × r block of W becomes W_ij·B_i + B_i.
 */
export class MissLayer extends TunerLayer<MissConfig> {
  readonly adapterLayerNames = ['miss_block'];
  override readonly otherAdapterLayerNames = ['miss_dropout'];
  readonly missR = this.adapterMap<number>();
  readonly missMiniR = this.adapterMap<number>();
  readonly missFn = this.adapterMap<MissMode>();

  get missBlock(): ParameterDict {
    return this.dict('miss_block', () => new ParameterDict());
  }
  get missDropout(): ModuleDict<Dropout> {
    return this.dict('miss_dropout', () => new ModuleDict<Dropout>());
  }

  updateLayer({ adapterName, config, key }: WrapContext<MissConfig>): void {
    const { inFeatures, outFeatures } = this.base;
    const dtype = this.base.dtype;
    const { r, miniR, initWeights } = config;
    let block: Tensor;
    if (initWeights === 'bat') {
      if (inFeatures % r !== 0 || outFeatures % r !== 0)
        throw new RangeError(`MiSS: 'bat' needs r (${r}) to divide both dimensions of '${key}' [${outFeatures}, ${inFeatures}]`);
      block = fill([outFeatures / r, r, r], 0, dtype);
    } else if (initWeights === 'mini') {
      if (outFeatures % miniR !== 0)
        throw new RangeError(`MiSS: 'mini' needs miniR (${miniR}) to divide out_features ${outFeatures} of '${key}'`);
      block = fill([r, miniR], 0, dtype);
    } else if (initWeights) {
      block = fill([r, outFeatures], 0, dtype);
    } else {
      const bound = 1 / Math.sqrt(outFeatures);
      block = rand([r, outFeatures], { low: -bound, high: bound, dtype });
    }
    this.configs.set(adapterName, config);
    this.missR.set(adapterName, r);
    this.missMiniR.set(adapterName, miniR);
    this.missFn.set(adapterName, initWeights === 'bat' ? 'bat' : initWeights === 'mini' ? 'mini' : 'miss');
    this.missBlock.set(adapterName, parameter(block));
    this.missDropout.set(adapterName, new Dropout(config.missDropout));
  }

  /** The block [r, out] the chunk sums multiply ('mini' repeats its [r, miniR] block across the outputs). */
  private fullBlock(adapter: string): Tensor {
    const block = this.missBlock.at(adapter);
    if (this.missFn.get(adapter) !== 'mini') return block;
    const [r, miniR] = block.shape as [number, number];
    const copies = this.base.outFeatures / miniR;
    return tidy(() => reshape(expand(reshape(block, [r, 1, miniR]), [r, copies, miniR]).contiguous(), [r, copies * miniR]));
  }

  protected override applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    if (adapters.length > 0 && adapters.every((a) => this.missFn.get(a) === 'bat')) {
      const { weight, bias } = this.base;
      return batLinear(
        x,
        weight,
        bias,
        adapters.map((a) => this.missBlock.at(a)),
      );
    }
    if (adapters.some((a) => this.missFn.get(a) === 'bat'))
      throw new Error(`MissLayer: adapters [${adapters.join(', ')}] mix the 'bat' form with others; activate them one at a time`);
    return super.applyAdapters(x, adapters, rest);
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    const block = this.missBlock.at(adapter);
    return tidy(() => {
      const input = x.cast(block.dtype);
      const dropped = this.missDropout.at(adapter).forward(input);
      const full = this.fullBlock(adapter);
      return matmul(chunkSum(dropped, full.shape[0]!), full);
    });
  }

  override deltaWeight(adapter: string): Tensor {
    return tidy(() => tiledDelta(this.fullBlock(adapter), this.base.inFeatures));
  }

  override mergedBaseState(adapter: string, state: BaseState): BaseState {
    if (this.missFn.get(adapter) !== 'bat') return super.mergedBaseState(adapter, state);
    return batMergedState(state, this.missBlock.at(adapter));
  }

  override unmergedBaseState(adapter: string, state: BaseState): BaseState {
    if (this.missFn.get(adapter) !== 'bat') return super.unmergedBaseState(adapter, state);
    return batUnmergedState(state, this.missBlock.at(adapter));
  }
}
