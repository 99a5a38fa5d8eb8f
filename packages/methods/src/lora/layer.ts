import {
  add,
  div,
  Dropout,
  keep,
  Linear,
  matmul,
  type Module,
  mul,
  noGrad,
  QuantizedLinear,
  QuantizedWeight,
  randn,
  reshape,
  sub,
  type Tensor,
  tensor,
  tidy,
} from '@peftjs/core';
import { ModuleDict } from '../tuners/adapter-dict.js';
import { patternValue } from '../tuners/targets.js';
import { TunerLayer, type BaseState, type MergePlan, type MergeStep } from '../tuners/tuner-layer.js';
import { LoftQConfig, loftqFactors } from './loftq.js';
import { oloraFactors, pissaFactors, residualWeight, transposeHost, type HostFactors } from './base-init.js';
import { initChangesBase, type LoraConfig, type LoraInit } from './config.js';
import { DoraMagnitude, doraWeightNorm, mergeFactorShape, transposed, type NormLayout } from './dora.js';
import type { WrapContext } from '../method/layer-method.js';

/** LoRA's scaling: alpha / r, or alpha / sqrt(r) with rsLoRA. */
export function loraScaling(alpha: number, r: number, useRslora: boolean): number {
  return useRslora ? alpha / Math.sqrt(r) : alpha / r;
}

/** A module with a weight and an optional bias (Linear, Conv2d). */
type Factor = Module<[Tensor], Tensor> & { readonly weight: Tensor; readonly bias: Tensor | null };

function setValue(t: Tensor, value: Tensor): void {
  noGrad(() => t.assign(value.cast(t.dtype)));
  value.dispose();
}

/**
 * LoRA on a Linear or Conv1D: y = W x + b + s · B A dropout(x), with A [r, in] and B [out, r]
 * held in `lora_A.<adapter>` and `lora_B.<adapter>` (Linear modules, PEFT's names). With DoRA
 * the magnitude lives in `lora_magnitude_vector.<adapter>`. Embedding and Conv2d targets use the
 * subclasses LoraEmbedding and LoraConv2d.
 */
export class LoraLayer extends TunerLayer<LoraConfig> {
  readonly adapterLayerNames = ['lora_A', 'lora_B', 'lora_embedding_A', 'lora_embedding_B', 'lora_magnitude_vector'];
  override readonly otherAdapterLayerNames = ['lora_dropout'];
  readonly r = this.adapterMap<number>();
  readonly alpha = this.adapterMap<number>();
  readonly scaling = this.adapterMap<number>();
  /** How DoRA takes the norm of this layer's weight. */
  protected readonly normLayout: NormLayout = 'rows';
  /** DoRA weight norms of merged adapters (PEFT caches them: the merged weight cannot give them back). */
  private readonly doraNorms = this.adapterMap<Tensor>((t) => t.dispose());
  /** PiSSA/OLoRA inits of adapters being loaded from a file: the base changes once the file is in. */
  private readonly pendingBaseInit = this.adapterMap<{ init: LoraInit; key: string }>();

  constructor(baseLayer: Module) {
    super(baseLayer);
    if (this.base.fanInFanOut) this.normLayout = 'columns';
  }

  get loraA(): ModuleDict<Factor> {
    return this.dict('lora_A', () => new ModuleDict<Factor>());
  }
  get loraB(): ModuleDict<Factor> {
    return this.dict('lora_B', () => new ModuleDict<Factor>());
  }
  get loraDropout(): ModuleDict<Dropout> {
    return this.dict('lora_dropout', () => new ModuleDict<Dropout>());
  }
  get loraMagnitudeVector(): ModuleDict<DoraMagnitude> {
    return this.dict('lora_magnitude_vector', () => new ModuleDict<DoraMagnitude>());
  }

  /** lora_B's bias of `adapter` (lora_bias), if any. */
  protected loraBias(adapter: string): Tensor | null {
    return this.has('lora_B') ? (this.loraB.entry(adapter)?.bias ?? null) : null;
  }

  /** Whether `adapter` is a DoRA adapter on this layer. */
  isDora(adapter: string): boolean {
    return this.has('lora_magnitude_vector') && this.loraMagnitudeVector.entry(adapter) !== undefined;
  }

  protected get dtype(): 'float32' | 'float64' {
    return this.base.dtype;
  }

  updateLayer({ adapterName, config, key, loading }: WrapContext<LoraConfig>): void {
    const r = patternValue(config.rankPattern, key, config.r);
    const alpha = patternValue(config.alphaPattern, key, config.loraAlpha);
    this.configs.set(adapterName, config);
    this.r.set(adapterName, r);
    this.alpha.set(adapterName, alpha);
    this.scaling.set(adapterName, loraScaling(alpha, r, config.useRslora));
    this.createFactors(adapterName, r, config, key);
    const init = config.initLoraWeights;
    if (initChangesBase(init)) {
      // a loaded adapter brings its own A and B; the base becomes the residual once the file is in
      if (loading) this.pendingBaseInit.set(adapterName, { init, key });
      else this.initFromBase(adapterName, init, key);
    } else if (init === 'loftq') {
      // a loaded LoftQ adapter brings its A and B, and its base was saved quantized already
      if (!loading) this.initLoftq(adapterName, config, key);
    } else {
      this.resetFactors(adapterName, init, r);
    }
    this.loraDropout.set(adapterName, new Dropout(config.loraDropout));
    if (config.useDora) {
      const magnitude = noGrad(() => {
        const delta = this.deltaWeight(adapterName);
        const combined = add(this.base.weight, delta);
        delta.dispose();
        const norm = doraWeightNorm(combined, this.normLayout);
        combined.dispose();
        return norm;
      });
      this.loraMagnitudeVector.set(adapterName, new DoraMagnitude(magnitude));
    }
  }

  /** Makes the adapter's factors: lora_A and lora_B as Linear modules (Linear/Conv1D targets). */
  protected createFactors(adapter: string, r: number, config: LoraConfig, key: string): void {
    void key;
    const { inFeatures, outFeatures } = this.base;
    // Linear's own init is kaiming-uniform with a = √5, which is LoRA's default for A
    this.loraA.set(adapter, new Linear(inFeatures, r, { bias: false, dtype: this.dtype }));
    this.loraB.set(adapter, new Linear(r, outFeatures, { bias: config.loraBias, dtype: this.dtype }));
  }

  /** PEFT's reset_lora_parameters for the plain inits (true, false, 'gaussian'). */
  protected resetFactors(adapter: string, init: LoraInit, r: number): void {
    if (init === false) return;
    const a = this.loraA.at(adapter);
    const b = this.loraB.at(adapter);
    if (init === 'gaussian') setValue(a.weight, randn(a.weight.shape, { std: 1 / r, dtype: a.weight.dtype }));
    setValue(
      b.weight,
      noGrad(() => b.weight.mul(0)),
    );
    if (b.bias)
      setValue(
        b.bias,
        noGrad(() => b.bias!.mul(0)),
      );
  }

  /** The base weight as out x in float64 numbers on the host (PiSSA and OLoRA factor it). */
  private hostWeight(init: string, key: string): Float64Array {
    const { weight, fanInFanOut, inFeatures, outFeatures } = this.base;
    let values: ArrayLike<number>;
    try {
      values = weight.dataSync() as ArrayLike<number>;
    } catch (err) {
      throw new Error(
        `LoRA: initLoraWeights '${init}' factors the base weight of '${key}' on the host, which needs a backend that reads synchronously (${(err as Error).message})`,
      );
    }
    return fanInFanOut ? transposeHost(values, inFeatures, outFeatures) : Float64Array.from(values);
  }

  /** PiSSA's or OLoRA's factors of the current base weight. */
  private baseFactors(adapter: string, init: LoraInit, key: string): { w: Float64Array; factors: HostFactors } {
    const { inFeatures, outFeatures } = this.base;
    if (this.base.kind !== 'linear')
      throw new TypeError(
        `LoRA: initLoraWeights '${String(init)}' works on Linear and Conv1D targets, not on '${key}' (${this.base.kind})`,
      );
    const w = this.hostWeight(String(init), key);
    const r = this.r.get(adapter)!;
    const s = this.scaling.get(adapter)!;
    // 'pissa_niter_<n>' is PEFT's randomised SVD; the exact SVD gives what it approximates
    const factors = init === 'olora' ? oloraFactors(w, outFeatures, inFeatures, r) : pissaFactors(w, outFeatures, inFeatures, r, s);
    return { w, factors };
  }

  /** Writes W − s·B·A into the base weight (in its stored layout). */
  private writeResidual(adapter: string, w: Float64Array, factors: HostFactors): void {
    const { weight, fanInFanOut, inFeatures, outFeatures } = this.base;
    const res = residualWeight(w, factors, outFeatures, inFeatures, this.r.get(adapter)!, this.scaling.get(adapter)!);
    const stored = fanInFanOut ? transposeHost(res, outFeatures, inFeatures) : res;
    setValue(weight, tensor(stored, { shape: weight.shape, dtype: weight.dtype }));
  }

  /** PEFT's pissa_init / olora_init: A and B from the base weight, which keeps the residual. */
  protected initFromBase(adapter: string, init: LoraInit, key: string): void {
    const { w, factors } = this.baseFactors(adapter, init, key);
    const a = this.loraA.at(adapter).weight;
    const b = this.loraB.at(adapter).weight;
    setValue(a, tensor(factors.a, { shape: a.shape, dtype: a.dtype }));
    setValue(b, tensor(factors.b, { shape: b.shape, dtype: b.dtype }));
    this.writeResidual(adapter, w, factors);
  }

  /**
   * PEFT's LoftQ init: the float base weight W becomes the quantized base Q (a QuantizedLinear in
   * place of the base layer) and A, B the rank-r factors of W − Q (see loftq.ts).
   */
  private initLoftq(adapter: string, config: LoraConfig, key: string): void {
    const { kind, quantized, inFeatures, outFeatures, bias } = this.base;
    if (kind !== 'linear')
      throw new TypeError(`LoRA: initLoraWeights 'loftq' works on Linear and Conv1D targets, not on '${key}' (${kind})`);
    if (quantized) {
      throw new TypeError(
        `LoRA: initLoraWeights 'loftq' on '${key}' needs the float base weight to quantize (PEFT runs LoftQ on the unquantized model); load the model without quantization and let LoftQ quantize it`,
      );
    }
    const w = this.hostWeight('loftq', key);
    const { quantized: q, a, b } = loftqFactors(w, outFeatures, inFeatures, this.r.get(adapter)!, LoftQConfig.from(config.loftqConfig));
    const la = this.loraA.at(adapter).weight;
    const lb = this.loraB.at(adapter).weight;
    setValue(la, tensor(a, { shape: la.shape, dtype: la.dtype }));
    setValue(lb, tensor(b, { shape: lb.shape, dtype: lb.dtype }));
    const biasCopy = bias ? keep(noGrad(() => bias.clone())) : null;
    if (biasCopy) biasCopy.requiresGrad = bias!.requiresGrad;
    this.replaceBaseLayer(new QuantizedLinear(QuantizedWeight.fromData(q, this.base.weight.backend), biasCopy));
  }

  /**
   * After a PiSSA/OLoRA adapter was loaded from a file: the base becomes W − s·B₀·A₀ with B₀, A₀
   * the init's factors of the base weight, as PEFT's from_pretrained gets by running the init on
   * the original base before loading the trained A and B.
   */
  finishLoadedInit(adapter: string): void {
    const pending = this.pendingBaseInit.get(adapter);
    if (!pending) return;
    const { w, factors } = this.baseFactors(adapter, pending.init, pending.key);
    this.writeResidual(adapter, w, factors);
    this.pendingBaseInit.delete(adapter);
  }

  protected override applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    let out = this.baseForward(x, ...rest);
    for (const adapter of adapters) {
      const next = this.isDora(adapter) ? this.doraForward(x, adapter, out) : this.addOutput(out, this.adapterOutput(x, adapter));
      out.dispose();
      out = next;
    }
    return out;
  }

  private addOutput(out: Tensor, delta: Tensor): Tensor {
    const cast = delta.cast(out.dtype);
    const sum = add(out, cast);
    if (cast !== delta) cast.dispose();
    delta.dispose();
    return sum;
  }

  /** B A x (no scaling) for input x; Linear and Conv2d factors. */
  protected loraProduct(x: Tensor, adapter: string): Tensor {
    const h = this.loraA.at(adapter).forward(x);
    const y = this.loraB.at(adapter).forward(h);
    h.dispose();
    return y;
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    const dropped = this.loraDropout.at(adapter).forward(x);
    const y = this.loraProduct(dropped, adapter);
    const out = mul(y, this.scaling.get(adapter)!);
    if (dropped !== x) dropped.dispose();
    y.dispose();
    return out;
  }

  /** Whether this adapter's dropout changes its input now (PEFT's DoRA forward then recomputes W x). */
  protected dropsInput(adapter: string): boolean {
    return this.training && this.loraDropout.at(adapter).p > 0;
  }

  /** m / ‖W + s·B·A‖ with the norm detached (gradient flows to m only). */
  protected doraScale(adapter: string): Tensor {
    const norm = noGrad(() => {
      const delta = this.deltaWeight(adapter);
      const combined = add(this.base.weight, delta);
      delta.dispose();
      const n = doraWeightNorm(combined, this.normLayout);
      combined.dispose();
      return n;
    });
    const scale = div(this.loraMagnitudeVector.at(adapter).weight, norm);
    norm.dispose();
    return scale;
  }

  /**
   * PEFT's DoRA forward: result + (m/n − 1) ⊙ base + (m/n) ⊙ s·B A x', where base is the running
   * result without the bias (or W x' when dropout is on) and n = ‖W + s·B·A‖ (detached).
   */
  protected doraForward(x: Tensor, adapter: string, result: Tensor): Tensor {
    return tidy(() => {
      const dropped = this.dropsInput(adapter);
      const xd = dropped ? this.loraDropout.at(adapter).forward(x) : x;
      const scale = this.doraScale(adapter);
      const lora = this.loraProduct(xd, adapter);
      const base = dropped ? this.baseWithoutBias(xd) : this.resultWithoutBias(result);
      const delta = add(mul(sub(scale, 1), base), mul(mul(scale, lora), this.scaling.get(adapter)!));
      return add(result, delta.cast(result.dtype));
    });
  }

  /** W x without the bias (DoRA's base term when dropout changed the input). */
  protected baseWithoutBias(x: Tensor): Tensor {
    return matmul(x, this.base.weight, { transposeB: !this.base.fanInFanOut });
  }

  /** The running output minus the base bias. */
  protected resultWithoutBias(result: Tensor): Tensor {
    const bias = this.base.bias;
    return bias ? sub(result, bias) : result;
  }

  /** s · B A in the base weight's layout (transposed for a fan-in-fan-out base weight). */
  override deltaWeight(adapter: string): Tensor {
    const ba = matmul(this.loraB.at(adapter).weight, this.loraA.at(adapter).weight);
    const scaled = mul(ba, this.scaling.get(adapter)!);
    ba.dispose();
    if (!this.base.fanInFanOut) return scaled;
    const t = transposed(scaled);
    scaled.dispose();
    return t;
  }

  override mergedBaseState(adapter: string, state: BaseState): BaseState {
    const { state: merged, weightNorm } = this.mergeStep(adapter, state);
    weightNorm?.dispose();
    return merged;
  }

  override mergeStep(adapter: string, state: BaseState): MergeStep {
    return tidy(() => {
      if (!this.isDora(adapter)) {
        const merged = super.mergedBaseState(adapter, state);
        const loraBias = this.loraBias(adapter);
        const bias = state.get('bias');
        if (loraBias && bias) merged.set('bias', add(bias, mul(loraBias, this.scaling.get(adapter)!)));
        return { state: merged };
      }
      // DoRA: W' = (m / ‖W + ΔW‖) ⊙ (W + ΔW); the bias is not rescaled
      const weight = state.get('weight')!;
      const delta = this.deltaWeight(adapter);
      const combined = add(weight, delta.cast(weight.dtype));
      const norm = doraWeightNorm(combined, this.normLayout);
      const factor = reshape(div(this.loraMagnitudeVector.at(adapter).weight, norm), mergeFactorShape(this.normLayout, weight));
      const merged = new Map(state);
      merged.set('weight', mul(combined, factor));
      return { state: merged, weightNorm: norm };
    });
  }

  override commitMerge(plan: MergePlan): void {
    for (const [adapter, norm] of plan.weightNorms) {
      this.doraNorms.get(adapter)?.dispose();
      this.doraNorms.set(adapter, keep(norm));
    }
    super.commitMerge({ ...plan, weightNorms: new Map() });
  }

  override unmergedBaseState(adapter: string, state: BaseState): BaseState {
    if (!this.isDora(adapter)) {
      return tidy(() => {
        const out = super.unmergedBaseState(adapter, state);
        const loraBias = this.loraBias(adapter);
        const bias = state.get('bias');
        if (loraBias && bias) out.set('bias', sub(bias, mul(loraBias, this.scaling.get(adapter)!)));
        return out;
      });
    }
    const norm = this.doraNorms.get(adapter);
    if (!norm) throw new Error(`LoraLayer: DoRA adapter '${adapter}' has no weight norm from its merge; it cannot be unmerged`);
    const out = tidy(() => {
      const weight = state.get('weight')!;
      const factor = reshape(div(this.loraMagnitudeVector.at(adapter).weight, norm), mergeFactorShape(this.normLayout, weight));
      const delta = this.deltaWeight(adapter);
      const unmerged = new Map(state);
      unmerged.set('weight', sub(div(weight, factor), delta.cast(weight.dtype)));
      return unmerged;
    });
    norm.dispose();
    this.doraNorms.delete(adapter);
    return out;
  }

  /** PEFT saves the DoRA magnitude as `lora_magnitude_vector` (no `.weight`). */
  override *adapterTensors(adapter: string): Generator<[string, string, Tensor]> {
    for (const [memory, disk, t] of super.adapterTensors(adapter)) {
      yield [memory, disk === 'lora_magnitude_vector.weight' ? 'lora_magnitude_vector' : disk, t];
    }
  }
}
