import { fill, noGrad, parameter, randn, tidy, type Tensor } from '@peftjs/core';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer, type BaseState } from '../tuners/tuner-layer.js';
import type { RoadConfig, RoadVariant } from './config.js';
import { applyRoad, applyRoadToRows, invertRoadColumns, roadColumns, roadSize } from './rotation.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * RoAd (Liao et al., 2024) on a Linear layer: the output is rotated and scaled in 2-D pairs,
 * y ↦ y⊙(α cos θ) + rot(y)⊙(α sin θ), from `road_theta` and `road_alpha`. Merging writes R·W and
 * R·b; unmerging uses R⁻¹, which is again a RoAd rotation of the pairs.
 */
export class RoadLayer extends TunerLayer<RoadConfig> {
  readonly adapterLayerNames = ['road_theta', 'road_alpha'];
  readonly variant = this.adapterMap<RoadVariant>();
  readonly groupSize = this.adapterMap<number>();

  get roadTheta(): ParameterDict {
    return this.dict('road_theta', () => new ParameterDict());
  }
  get roadAlpha(): ParameterDict {
    return this.dict('road_alpha', () => new ParameterDict());
  }

  updateLayer({ adapterName, config, key }: WrapContext<RoadConfig>): void {
    const { outFeatures } = this.base;
    const { variant, groupSize } = config;
    if (outFeatures % groupSize !== 0)
      throw new RangeError(`RoAd: groupSize ${groupSize} must divide out_features ${outFeatures} of '${key}'`);
    const dtype = this.base.dtype;
    const size = roadSize(variant, outFeatures);
    const theta = config.initWeights ? fill([size], 0, dtype) : randn([size], { std: 0.5, dtype });
    const alpha = config.initWeights ? fill([size], 1, dtype) : randn([size], { mean: 1, std: 0.5, dtype });
    this.configs.set(adapterName, config);
    this.variant.set(adapterName, variant);
    this.groupSize.set(adapterName, groupSize);
    this.roadTheta.set(adapterName, parameter(theta));
    this.roadAlpha.set(adapterName, parameter(alpha));
  }

  /** The adapter's coefficient vectors [out] (c₁, c₂). */
  columns(adapter: string): [Tensor, Tensor] {
    return roadColumns(this.variant.get(adapter)!, this.groupSize.get(adapter)!, this.roadTheta.at(adapter), this.roadAlpha.at(adapter));
  }

  protected override applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    const base = this.baseForward(x, ...rest);
    if (adapters.length === 0) return base;
    const out = tidy(() => {
      let y = base;
      for (const adapter of adapters) {
        const [first, second] = this.columns(adapter);
        y = applyRoad(first, second, this.groupSize.get(adapter)!, y.cast(first.dtype));
      }
      return y.cast(base.dtype);
    });
    base.dispose();
    return out;
  }

  private rotateState(adapter: string, state: BaseState, invert: boolean): BaseState {
    const out = new Map(state);
    const groupSize = this.groupSize.get(adapter)!;
    noGrad(() => {
      const [first, second] = tidy(() => {
        const cols = this.columns(adapter);
        return invert ? invertRoadColumns(cols[0], cols[1], groupSize) : cols;
      });
      for (const name of ['weight', 'bias']) {
        const t = state.get(name);
        if (t)
          out.set(
            name,
            tidy(() => applyRoadToRows(first, second, groupSize, t.cast(first.dtype)).cast(t.dtype)),
          );
      }
      first.dispose();
      second.dispose();
    });
    return out;
  }

  override mergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.rotateState(adapter, state, false);
  }

  override unmergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.rotateState(adapter, state, true);
  }
}
