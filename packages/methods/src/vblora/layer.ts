import { Dropout, matmul, parameter, randn, tidy, type Module, type Tensor } from '@peftjs/core';
import { ModuleDict, ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import type { VBLoRAConfig } from './config.js';
import { topkMix } from './topk-mix.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * VB-LoRA (Li et al., 2024) on a Linear or Conv1D: LoRA's A [r, in] and B [out, r] are cut into
 * sub-vectors of length L, each a top-k softmax mix of vectors from one bank [V, L] shared by all
 * layers; the layer trains only the logits `vblora_logits_A` [r, in/L, V] and
 * `vblora_logits_B` [out/L, r, V] (and the bank): y = base(x) + B A dropout(x).
 */
export class VBLoRALayer extends TunerLayer<VBLoRAConfig> {
  readonly adapterLayerNames = ['vblora_logits_A', 'vblora_logits_B'];
  override readonly otherAdapterLayerNames = ['vblora_dropout'];

  /** The shared bank is registered here too: PEFT names its parameter after the first layer (`q_proj.vblora_vector_bank.default`). */
  constructor(baseLayer: Module, bank: ParameterDict) {
    super(baseLayer);
    this.registerModule('vblora_vector_bank', bank);
  }

  get logitsA(): ParameterDict {
    return this.dict('vblora_logits_A', () => new ParameterDict());
  }
  get logitsB(): ParameterDict {
    return this.dict('vblora_logits_B', () => new ParameterDict());
  }
  get vbloraDropout(): ModuleDict<Dropout> {
    return this.dict('vblora_dropout', () => new ModuleDict<Dropout>());
  }
  get vectorBank(): ParameterDict {
    return this.child<ParameterDict>('vblora_vector_bank');
  }

  updateLayer({ adapterName, config, key }: WrapContext<VBLoRAConfig>): void {
    const { inFeatures, outFeatures } = this.base;
    const length = config.vectorLength;
    for (const [name, size] of [
      ['in', inFeatures],
      ['out', outFeatures],
    ] as const) {
      if (size % length !== 0)
        throw new RangeError(
          `VB-LoRA: module '${key}' has ${size} ${name} features, not a multiple of vectorLength (vector_length) ${length}`,
        );
    }
    const dtype = this.base.dtype;
    this.configs.set(adapterName, config);
    this.vbloraDropout.set(adapterName, new Dropout(config.vbloraDropout));
    const std = config.initLogitsStd;
    this.logitsA.set(adapterName, parameter(randn([config.r, inFeatures / length, config.numVectors], { std, dtype })));
    this.logitsB.set(adapterName, parameter(randn([outFeatures / length, config.r, config.numVectors], { std, dtype })));
  }

  /** A [r, in] and B [out, r] composed from the bank. */
  private loraMatrices(adapter: string): { a: Tensor; b: Tensor } {
    return tidy(() => {
      const bank = this.vectorBank.at(adapter);
      const k = this.config(adapter).topk;
      const logitsA = this.logitsA.at(adapter);
      const logitsB = this.logitsB.at(adapter);
      const a = topkMix(logitsA, bank, k).reshape([logitsA.shape[0]!, -1]);
      // [out/L, r, L] → [out/L, L, r] → [out, r]
      const b = topkMix(logitsB, bank, k).transpose(1, 2).reshape([-1, logitsB.shape[1]!]);
      return { a, b };
    });
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    return tidy(() => {
      const { a, b } = this.loraMatrices(adapter);
      const h = matmul(this.vbloraDropout.at(adapter).forward(x), a, { transposeB: true });
      return matmul(h, b, { transposeB: true });
    });
  }

  /** B A, transposed for a fan-in-fan-out base weight. */
  override deltaWeight(adapter: string): Tensor {
    return tidy(() => {
      const { a, b } = this.loraMatrices(adapter);
      const delta = matmul(b, a);
      return this.base.fanInFanOut ? delta.transpose(0, 1).contiguous() : delta;
    });
  }

  /** The bank trains with the logits of the active adapters this layer holds. */
  override setAdapter(adapters: readonly string[], trainable = true): void {
    super.setAdapter(adapters, trainable);
    for (const name of this.vectorBank.keys()) {
      if (this.hasAdapter(name)) this.vectorBank.at(name).requiresGrad = trainable && adapters.includes(name);
    }
  }
}
