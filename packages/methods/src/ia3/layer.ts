import { div, mul, ones, parameter, randn, tidy, type Module, type Tensor } from '@peftjs/core';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer, type BaseState } from '../tuners/tuner-layer.js';
import type { IA3Config } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

/** PEFT's tolerance when unmerging divides by the vector. */
const UNMERGE_EPS = 1e-8;

/**
 * (IA)³ on a Linear or Conv1D: learned vectors l in `ia3_l.<adapter>` rescale the layer's output,
 * y = l ⊙ (W x + b) with l of shape [out, 1], or, for a feed-forward module, its input,
 * y = W (l ⊙ x) + b with l of shape [1, in]. Several active adapters multiply their vectors.
 */
export class IA3Layer extends TunerLayer<IA3Config> {
  readonly adapterLayerNames = ['ia3_l'];

  /** Decided when the layer is made (PEFT: from the first adapter's feedforward_modules). */
  constructor(
    baseLayer: Module,
    readonly isFeedforward: boolean,
  ) {
    super(baseLayer);
  }

  get ia3L(): ParameterDict {
    return this.dict('ia3_l', () => new ParameterDict());
  }

  updateLayer({ adapterName, config }: WrapContext<IA3Config>): void {
    const { inFeatures, outFeatures } = this.base;
    const dtype = this.base.dtype;
    const shape = this.isFeedforward ? [1, inFeatures] : [outFeatures, 1];
    this.configs.set(adapterName, config);
    this.ia3L.set(adapterName, parameter(config.initIa3Weights ? ones(shape, dtype) : randn(shape, { dtype })));
  }

  protected override applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    if (adapters.length === 0) return this.baseForward(x, ...rest);
    return tidy(() => {
      // the adapters' vectors multiply (PEFT's ia3_scaling)
      let s = this.ia3L.at(adapters[0]!).reshape([-1]);
      for (const adapter of adapters.slice(1)) s = mul(s, this.ia3L.at(adapter).reshape([-1]));
      if (s.dtype !== x.dtype) s = s.cast(x.dtype);
      return this.isFeedforward ? this.baseForward(mul(x, s), ...rest) : mul(this.baseForward(x, ...rest), s);
    });
  }

  /** W ⊙ l (and b ⊙ l when the output is scaled): PEFT's merge. */
  override mergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.rescaled(adapter, state, mul, 0);
  }

  /** W / (l + 1e-8) (and b likewise): PEFT's unmerge, inexact where l is near 0. */
  override unmergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.rescaled(adapter, state, div, UNMERGE_EPS);
  }

  private rescaled(adapter: string, state: BaseState, op: (a: Tensor, b: Tensor) => Tensor, shift: number): BaseState {
    return tidy(() => {
      const out = new Map(state);
      const weight = state.get('weight')!;
      let l = this.ia3L.at(adapter);
      if (l.dtype !== weight.dtype) l = l.cast(weight.dtype);
      if (shift !== 0) l = l.add(shift);
      // l broadcasts over rows (outputs) or columns (inputs) of an [out, in] weight; a Conv1D weight is [in, out]
      out.set('weight', op(weight, this.base.fanInFanOut ? l.transpose(0, 1) : l));
      const bias = state.get('bias');
      if (!this.isFeedforward && bias) out.set('bias', op(bias, l.reshape([-1])));
      return out;
    });
  }
}
