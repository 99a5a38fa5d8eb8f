import { Dropout, Linear, matmul, mul, noGrad, randn, transpose, type Tensor, type WrapContext } from '@peftjs/core';
import { ModuleDict } from '../tuners/adapter-dict.js';
import { patternValue } from '../tuners/targets.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import type { LoraConfig } from './config.js';

/** LoRA's scaling: alpha / r, or alpha / sqrt(r) with rsLoRA. */
export function loraScaling(alpha: number, r: number, useRslora: boolean): number {
  return useRslora ? alpha / Math.sqrt(r) : alpha / r;
}

/**
 * LoRA on a Linear or Conv1D: y = W x + b + s · B A dropout(x), with A [r, in] and B [out, r]
 * held in `lora_A.<adapter>` and `lora_B.<adapter>` (Linear modules, PEFT's names).
 */
export class LoraLayer extends TunerLayer<LoraConfig> {
  readonly adapterLayerNames = ['lora_A', 'lora_B'];
  override readonly otherAdapterLayerNames = ['lora_dropout'];
  readonly r = new Map<string, number>();
  readonly alpha = new Map<string, number>();
  readonly scaling = new Map<string, number>();

  get loraA(): ModuleDict<Linear> {
    return this.dict('lora_A', () => new ModuleDict<Linear>());
  }
  get loraB(): ModuleDict<Linear> {
    return this.dict('lora_B', () => new ModuleDict<Linear>());
  }
  get loraDropout(): ModuleDict<Dropout> {
    return this.dict('lora_dropout', () => new ModuleDict<Dropout>());
  }

  updateLayer({ adapterName, config, key }: WrapContext<LoraConfig>): void {
    const r = patternValue(config.rankPattern, key, config.r);
    const alpha = patternValue(config.alphaPattern, key, config.loraAlpha);
    const { inFeatures, outFeatures, weight } = this.base;
    const dtype = weight.dtype === 'float64' ? 'float64' : 'float32';
    this.configs.set(adapterName, config);
    this.r.set(adapterName, r);
    this.alpha.set(adapterName, alpha);
    this.scaling.set(adapterName, loraScaling(alpha, r, config.useRslora));
    // Linear's own init is kaiming-uniform with a = √5, which is LoRA's default for A
    const a = new Linear(inFeatures, r, { bias: false, dtype });
    const b = new Linear(r, outFeatures, { bias: config.loraBias, dtype });
    this.initWeights(a, b, config.initLoraWeights, r);
    this.loraA.set(adapterName, a);
    this.loraB.set(adapterName, b);
    this.loraDropout.set(adapterName, new Dropout(config.loraDropout));
  }

  /** PEFT's reset_lora_parameters for the plain inits (true, false, 'gaussian'). */
  protected initWeights(a: Linear, b: Linear, init: LoraConfig['initLoraWeights'], r: number): void {
    if (init === false) return;
    const set = (t: Tensor, value: Tensor) => {
      t.assign(value);
      value.dispose();
    };
    noGrad(() => {
      if (init === 'gaussian') set(a.weight, randn(a.weight.shape, { std: 1 / r, dtype: a.weight.dtype }));
      set(b.weight, b.weight.mul(0));
      if (b.bias) set(b.bias, b.bias.mul(0));
    });
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    const dropped = this.loraDropout.at(adapter).forward(x);
    const h = this.loraA.at(adapter).forward(dropped);
    const y = this.loraB.at(adapter).forward(h);
    const out = mul(y, this.scaling.get(adapter)!);
    if (dropped !== x) dropped.dispose();
    h.dispose();
    y.dispose();
    return out;
  }

  /** s · B A, transposed for a fan-in-fan-out base weight. */
  override deltaWeight(adapter: string): Tensor {
    const ba = matmul(this.loraB.at(adapter).weight, this.loraA.at(adapter).weight);
    const scaled = mul(ba, this.scaling.get(adapter)!);
    ba.dispose();
    if (!this.base.fanInFanOut) return scaled;
    const view = transpose(scaled);
    const t = view.contiguous();
    view.dispose();
    scaled.dispose();
    return t;
  }

  override mergedBaseState(adapter: string, state: Map<string, Tensor>): Map<string, Tensor> {
    const merged = super.mergedBaseState(adapter, state);
    const loraBias = this.loraB.at(adapter).bias;
    const bias = state.get('bias');
    if (loraBias && bias) merged.set('bias', bias.add(mul(loraBias, this.scaling.get(adapter)!)));
    return merged;
  }

  override unmergedBaseState(adapter: string, state: Map<string, Tensor>): Map<string, Tensor> {
    const out = super.unmergedBaseState(adapter, state);
    const loraBias = this.loraB.at(adapter).bias;
    const bias = state.get('bias');
    if (loraBias && bias) out.set('bias', bias.sub(mul(loraBias, this.scaling.get(adapter)!)));
    return out;
  }

  override deleteAdapter(adapter: string): void {
    super.deleteAdapter(adapter);
    for (const m of [this.r, this.alpha, this.scaling]) m.delete(adapter);
  }
}
