import type { Module, Tensor } from '@peftjs/core';
import type { PeftConfig } from '../method/peft-config.js';
import type { PromptContext, PromptMethod } from '../method/prompt-method.js';
import { ModuleDict } from '../tuners/adapter-dict.js';
import type { TunerLayer } from '../tuners/tuner-layer.js';
import type { AdapterStrategy } from './adapter-strategy.js';

/** Prompt methods: the user's model as `base_model`, one encoder per adapter in `prompt_encoder.<adapter>`. */
export class PromptStrategy implements AdapterStrategy {
  readonly configs: Record<string, PeftConfig> = Object.create(null);
  readonly encoders = new ModuleDict();
  readonly children: readonly (readonly [string, Module])[];

  constructor(
    readonly method: PromptMethod,
    readonly baseModel: Module,
  ) {
    this.children = [
      ['base_model', baseModel],
      ['prompt_encoder', this.encoders],
    ];
  }

  private context(adapterName: string): PromptContext {
    return { model: this.baseModel, encoder: this.encoders.at(adapterName), config: this.configs[adapterName]! };
  }

  addAdapter(adapterName: string, config: PeftConfig): void {
    const prepared = this.method.prepareConfig?.(config, this.baseModel) ?? config;
    this.configs[adapterName] = prepared;
    this.encoders.set(adapterName, this.method.createEncoder(prepared, this.baseModel));
  }

  removeAdapter(adapterName: string): void {
    if (this.encoders.entry(adapterName)) this.encoders.delete(adapterName);
    delete this.configs[adapterName];
  }

  checkActive(names: readonly string[]): void {
    if (names.length !== 1) throw new Error(`setAdapter: ${this.method.peftType} takes one active adapter, got ${names.length}`);
  }

  applyActive(active: readonly string[], trainable: boolean): void {
    for (const name of this.encoders.keys()) {
      for (const p of this.encoders.at(name).parameters()) p.requiresGrad = trainable && active.includes(name);
    }
  }

  setDisabled(): void {}

  assertMergeable(op: string): void {
    throw new Error(`${op}: ${this.method.peftType} adapters cannot be merged into the weights`);
  }

  tunerLayers(): [string, TunerLayer][] {
    return [];
  }

  unload(): void {}

  forward(inputs: unknown[], activeAdapter: string, disabled: boolean): unknown {
    if (disabled) return this.baseModel.forward(...inputs);
    return this.method.forward(this.context(activeAdapter), inputs);
  }

  forwardPerRow(): unknown {
    throw new Error(`forward: per-sample adapterNames are not supported for ${this.method.peftType}`);
  }

  adapterTensors(adapterName: string): Map<string, Tensor> {
    return this.method.saveState(this.context(adapterName));
  }

  adapterStateDict(adapterName: string): Map<string, Tensor> {
    return this.adapterTensors(adapterName);
  }

  loadAdapterStateDict(adapterName: string, saved: ReadonlyMap<string, Tensor>): void {
    this.method.loadState(this.context(adapterName), saved);
  }

  convertMutatedInit(): null {
    return null;
  }
}
