import { disposeOnThrow, type Module, type Tensor } from '@peftjs/core';
import type { AdapterContext, LayerConfig, LayerMethod } from '../method/layer-method.js';
import type { PeftConfig } from '../method/peft-config.js';
import { layerAdapterTensors, layerStateDict, loadLayerStateDict } from '../save/layer-state.js';
import { withAdapterNames } from '../tuners/adapter-names.js';
import { resolveTargetModules } from '../tuners/default-targets.js';
import { disposeDetached } from '../tuners/dispose-detached.js';
import { alignFanInFanOut } from '../tuners/fan-in-fan-out.js';
import { injectAdapter } from '../tuners/inject.js';
import { ModulesToSaveWrapper } from '../tuners/modules-to-save.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import { TunerModel } from '../tuners/tuner-model.js';
import type { AdapterStrategy, AddAdapterOptions } from './adapter-strategy.js';

/** Layer methods: the user's model inside a TunerModel (`base_model.model.<path>`), its targets wrapped in tuner layers. */
export class LayerStrategy implements AdapterStrategy {
  readonly configs: Record<string, LayerConfig> = Object.create(null);
  readonly tuner: TunerModel;
  readonly children: readonly (readonly [string, Module])[];

  constructor(
    readonly method: LayerMethod,
    model: Module,
  ) {
    this.tuner = new TunerModel(model);
    this.children = [['base_model', this.tuner]];
  }

  get baseModel(): Module {
    return this.tuner;
  }

  private context(adapterName: string, loading = false): AdapterContext {
    return { tuner: this.tuner, config: this.configs[adapterName]!, adapterName, loading };
  }

  /** Tuner layers and modules-to-save wrappers, by name in the PeftModel. */
  private *wrappers(): Generator<[string, TunerLayer | ModulesToSaveWrapper]> {
    for (const [key, m] of this.tuner.namedModules())
      if (m instanceof TunerLayer || m instanceof ModulesToSaveWrapper) yield [`base_model.${key}`, m];
  }

  addAdapter(adapterName: string, config: PeftConfig, options: AddAdapterOptions): void {
    const { configClass } = this.method;
    if (!(config instanceof configClass))
      throw new TypeError(`addAdapter: expected a ${configClass.name} for ${this.method.peftType}, got a ${config.constructor.name}`);
    this.configs[adapterName] = alignFanInFanOut(resolveTargetModules(config, this.tuner.model), this.tuner.model);
    try {
      // a layer constructor that throws halfway leaves its tensors to disposeOnThrow
      disposeOnThrow(() => injectAdapter(this.method, this.context(adapterName, options.loading)));
    } catch (err) {
      this.removeAdapter(adapterName);
      throw err;
    }
  }

  removeAdapter(adapterName: string): void {
    for (const [key, m] of [...this.wrappers()]) {
      m.deleteAdapter(adapterName);
      const inTuner = key.slice('base_model.'.length);
      if (m instanceof TunerLayer && m.adapterNames().length === 0) this.tuner.setSubmodule(inTuner, m.baseLayer);
      if (m instanceof ModulesToSaveWrapper && m.copies.keys().length === 0) this.tuner.setSubmodule(inTuner, m.originalModule);
    }
    if (Object.hasOwn(this.configs, adapterName)) this.method.deleteAdapter?.(this.context(adapterName));
    delete this.configs[adapterName];
  }

  checkActive(): void {}

  applyActive(active: readonly string[], trainable: boolean): void {
    for (const [, m] of this.wrappers()) {
      if (m instanceof TunerLayer) m.setAdapter([...active], trainable);
      else m.setAdapter(active.find((a) => m.copies.entry(a)) ?? null, trainable);
    }
    for (const a of active) {
      for (const [, t] of this.method.extraTensors?.(this.context(a)) ?? []) t.requiresGrad = trainable;
    }
  }

  setDisabled(active: readonly string[], disabled: boolean): void {
    for (const [, m] of this.wrappers()) m.disabled = disabled;
    for (const a of active) this.method.setDisabled?.(this.context(a), disabled);
  }

  assertMergeable(): void {}

  tunerLayers(): [string, TunerLayer][] {
    return [...this.wrappers()].filter((e): e is [string, TunerLayer] => e[1] instanceof TunerLayer);
  }

  unload(): void {
    const model = this.tuner.model;
    const removed: Module[] = [];
    for (const [key, m] of [...this.wrappers()].reverse()) {
      const inModel = key.slice('base_model.model.'.length);
      if (m instanceof TunerLayer) {
        model.setSubmodule(inModel, m.baseLayer);
        m.disposeAdapters();
      } else {
        const kept = m.activeAdapter !== null ? m.copies.at(m.activeAdapter) : m.originalModule;
        model.setSubmodule(inModel, kept);
        for (const name of m.copies.keys()) if (m.copies.at(name) !== kept) removed.push(m.copies.at(name));
        if (kept !== m.originalModule) removed.push(m.originalModule);
      }
    }
    // an original module may share tensors with modules that stay (tied embeddings)
    disposeDetached(removed, model);
    this.tuner.disposeShared();
  }

  forward(inputs: unknown[], activeAdapter: string, disabled: boolean): unknown {
    const output = this.tuner.forward(...inputs);
    if (!this.method.afterForward || disabled) return output;
    return this.method.afterForward(output, this.context(activeAdapter));
  }

  forwardPerRow(adapterNames: readonly string[], inputs: unknown[], training: boolean): unknown {
    if (training) throw new Error('forward: per-sample adapterNames are for inference; call eval() first');
    return withAdapterNames(adapterNames, () => this.tuner.forward(...inputs));
  }

  adapterTensors(adapterName: string): Map<string, Tensor> {
    return layerAdapterTensors(this.tuner, this.method, this.context(adapterName));
  }

  adapterStateDict(adapterName: string): Map<string, Tensor> {
    return layerStateDict(this.tuner, this.method, this.context(adapterName));
  }

  loadAdapterStateDict(adapterName: string, saved: ReadonlyMap<string, Tensor>): void {
    loadLayerStateDict(this.tuner, this.method, this.context(adapterName), saved);
  }

  convertMutatedInit(adapterName: string, state: ReadonlyMap<string, Tensor>, initial: ReadonlyMap<string, Tensor>) {
    return this.method.convertMutatedInit?.(state, initial, this.configs[adapterName]!) ?? null;
  }
}
