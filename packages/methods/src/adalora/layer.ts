import { add, div, Dropout, fill, indexSelect, keep, matmul, mul, noGrad, randn, tensor, type Tensor, tidy, zeros } from '@peftjs/core';
import { ModuleDict, ParameterDict, adapterTensorsIn } from '../tuners/adapter-dict.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import { transposed } from '../lora/dora.js';
import type { AdaLoraConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

/** PEFT adds this to ranknum before dividing. */
const RANKNUM_EPS = 1e-5;

/**
 * AdaLoRA's SVD-form layer (PEFT's SVDLinear) on a Linear or Conv1D: ΔW = B diag(E) A · α / ranknum
 * with A [r, in] (right singular vectors), E [r, 1] (singular values) and B [out, r] (left
 * singular vectors) in `lora_A`, `lora_E`, `lora_B` (PEFT's ParameterDicts) and the starting rank
 * in `ranknum` (not trained, not saved). The rank allocator masks entries of E; saving cuts each
 * module to the entries that survived.
 */
export class AdaLoraLayer extends TunerLayer<AdaLoraConfig> {
  readonly adapterLayerNames = ['lora_A', 'lora_B', 'lora_E'];
  override readonly otherAdapterLayerNames = ['lora_dropout', 'ranknum'];
  readonly r = this.adapterMap<number>();
  readonly scaling = this.adapterMap<number>();

  get loraA(): ParameterDict {
    return this.dict('lora_A', () => new ParameterDict());
  }
  get loraB(): ParameterDict {
    return this.dict('lora_B', () => new ParameterDict());
  }
  get loraE(): ParameterDict {
    return this.dict('lora_E', () => new ParameterDict());
  }
  get ranknum(): ParameterDict {
    return this.dict('ranknum', () => new ParameterDict());
  }
  get loraDropout(): ModuleDict<Dropout> {
    return this.dict('lora_dropout', () => new ModuleDict<Dropout>());
  }

  updateLayer({ adapterName, config }: WrapContext<AdaLoraConfig>): void {
    const r = config.initR;
    const { inFeatures, outFeatures } = this.base;
    const dtype = this.base.dtype;
    this.configs.set(adapterName, config);
    this.r.set(adapterName, r);
    this.scaling.set(adapterName, config.loraAlpha > 0 ? config.loraAlpha : r);
    if (config.initLoraWeights) {
      this.loraA.set(adapterName, keep(randn([r, inFeatures], { std: 0.02, dtype })));
      this.loraE.set(adapterName, keep(zeros([r, 1], dtype)));
      this.loraB.set(adapterName, keep(randn([outFeatures, r], { std: 0.02, dtype })));
    } else {
      // PEFT leaves its torch.randn draws
      this.loraA.set(adapterName, keep(randn([r, inFeatures], { dtype })));
      this.loraE.set(adapterName, keep(randn([r, 1], { dtype })));
      this.loraB.set(adapterName, keep(randn([outFeatures, r], { dtype })));
    }
    const ranknum = keep(fill([1], r, dtype));
    this.ranknum.set(adapterName, ranknum);
    ranknum.requiresGrad = false;
    this.loraDropout.set(adapterName, new Dropout(config.loraDropout));
  }

  /** α / (ranknum + 1e-5) as a tensor (ranknum is a tensor in PEFT's state dict). */
  private scale(adapter: string, t: Tensor): Tensor {
    return tidy(() => div(mul(t, this.scaling.get(adapter)!), add(this.ranknum.at(adapter), RANKNUM_EPS)));
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    return tidy(() => {
      const dropped = this.loraDropout.at(adapter).forward(x);
      const ae = mul(this.loraA.at(adapter), this.loraE.at(adapter));
      const y = matmul(matmul(dropped, ae, { transposeB: true }), this.loraB.at(adapter), { transposeB: true });
      return this.scale(adapter, y);
    });
  }

  /** B (A ⊙ E) · α / (ranknum + 1e-5), transposed for a fan-in-fan-out base weight. */
  override deltaWeight(adapter: string): Tensor {
    return tidy(() => {
      const delta = this.scale(adapter, matmul(this.loraB.at(adapter), mul(this.loraA.at(adapter), this.loraE.at(adapter))));
      return this.base.fanInFanOut ? transposed(delta) : delta;
    });
  }

  /** The tensors PEFT saves: lora_A, lora_B and lora_E (ranknum is not saved). */
  override adapterTensors(adapter: string): Generator<[string, string, Tensor]> {
    return adapterTensorsIn(this, this.adapterLayerNames, adapter);
  }

  /** The current rank of `adapter` here (rows of lora_A). */
  rank(adapter: string): number {
    return this.loraA.at(adapter).shape[0]!;
  }

  /**
   * PEFT's resize_modules_by_rank_pattern for one module: keeps the triplets where `kept` is true
   * (E and A rows, B columns); ranknum stays, so the scaling is unchanged.
   */
  resize(adapter: string, kept: readonly boolean[]): void {
    const r = this.rank(adapter);
    if (kept.length !== r)
      throw new RangeError(`AdaLoraLayer: the rank pattern has ${kept.length} entries for adapter '${adapter}' of rank ${r}`);
    const index = tensor(
      kept.flatMap((k, i) => (k ? [i] : [])),
      { dtype: 'int32' },
    );
    noGrad(() => {
      for (const [dict, axis] of [
        [this.loraA, 0],
        [this.loraE, 0],
        [this.loraB, 1],
      ] as const) {
        const old = dict.at(adapter);
        const next = keep(tidy(() => indexSelect(old, axis, index).contiguous()));
        next.requiresGrad = old.requiresGrad;
        dict.set(adapter, next);
      }
    });
    index.dispose();
    this.r.set(adapter, kept.filter(Boolean).length);
  }
}
