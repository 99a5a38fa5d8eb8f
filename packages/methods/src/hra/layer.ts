import { expand, noGrad, parameter, rand, reshape, tidy, transpose, type Tensor } from '@peftjs/core';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer, type BaseState } from '../tuners/tuner-layer.js';
import type { HRAConfig } from './config.js';
import { gramSchmidt, reflectRows, reflectRowsOrthonormal, unitColumns } from './householder.js';
import type { WrapContext } from '../method/layer-method.js';

const kaimingUniform = (shape: number[], fanIn: number, dtype: 'float32' | 'float64') =>
  rand(shape, { low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn), dtype });

/**
 * HRA (Yuan et al., 2024) on a Linear layer: W' = W·H with H = ∏ᵢ (I − 2 uᵢuᵢᵀ/‖uᵢ‖²) over the
 * columns of `hra_u` [in, r] (or I − 2UUᵀ after Gram–Schmidt with applyGS). The forward reflects
 * the input instead of forming W·H: y = W (x·Hᵀ)ᵀ + b, H's reflections applied last to first.
 */
export class HRALayer extends TunerLayer<HRAConfig> {
  readonly adapterLayerNames = ['hra_u'];
  readonly hraR = this.adapterMap<number>();
  readonly hraApplyGS = this.adapterMap<boolean>();

  get hraU(): ParameterDict {
    return this.dict('hra_u', () => new ParameterDict());
  }

  updateLayer({ adapterName, config }: WrapContext<HRAConfig>): void {
    const { inFeatures } = this.base;
    const dtype = this.base.dtype;
    const r = config.r;
    let u: Tensor;
    if (config.initWeights && r % 2 === 0) {
      // PEFT's symmetric init: each vector twice in a row, so the reflections cancel in pairs
      u = tidy(() => {
        const half = kaimingUniform([inFeatures, r / 2, 1], r / 2, dtype);
        return reshape(expand(half, [inFeatures, r / 2, 2]).contiguous(), [inFeatures, r]);
      });
    } else {
      if (config.initWeights) console.warn(`HRA: the symmetric initialisation needs an even r, got ${r}; the adapter starts random`);
      u = kaimingUniform([inFeatures, r], r, dtype);
    }
    this.configs.set(adapterName, config);
    this.hraR.set(adapterName, r);
    this.hraApplyGS.set(adapterName, config.applyGS);
    this.hraU.set(adapterName, parameter(u));
  }

  /** Rows of `x` times adapter's H (`inverse`: H⁻¹, the reflections in reverse order). */
  private reflect(x: Tensor, adapter: string, inverse: boolean): Tensor {
    const u = this.hraU.at(adapter);
    const r = this.hraR.get(adapter)!;
    return tidy(() => {
      const input = x.cast(u.dtype);
      if (this.hraApplyGS.get(adapter)) return reflectRowsOrthonormal(input, gramSchmidt(u));
      const order = Array.from({ length: r }, (_, i) => (inverse ? r - 1 - i : i));
      return reflectRows(input, unitColumns(u), order);
    });
  }

  protected override applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    if (adapters.length === 0) return this.baseForward(x, ...rest);
    // W·H_a·H_b… applied to x is W (x·…H_bᵀ·H_aᵀ)ᵀ: the last adapter's reflections come first, and
    // within one adapter x·Hᵀ = x·H⁻¹ order-wise (each reflection is symmetric)
    const h = tidy(() => {
      let out = x;
      for (const adapter of [...adapters].reverse()) out = this.reflect(out, adapter, true);
      return out.cast(x.dtype);
    });
    const out = this.baseForward(h, ...rest);
    h.dispose();
    return out;
  }

  private reflectWeight(adapter: string, state: BaseState, inverse: boolean): BaseState {
    const { fanInFanOut } = this.base;
    const weight = state.get('weight')!;
    const out = new Map(state);
    out.set(
      'weight',
      noGrad(() =>
        tidy(() => {
          const w = fanInFanOut ? transpose(weight).contiguous() : weight;
          const rotated = this.reflect(w, adapter, inverse);
          return fanInFanOut ? transpose(rotated).contiguous() : rotated;
        }),
      ),
    );
    return out;
  }

  override mergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.reflectWeight(adapter, state, false);
  }

  override unmergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.reflectWeight(adapter, state, true);
  }
}
