import { Module, QuantizedLinear, disposeOnThrow, getPeftMethod, noGrad, sub, sum, type PeftConfig, type PeftMethod, type Tensor } from '@peftjs/core';
import { generate, type GenerateOutput, type GenerationInputs, type GenerationOptions, type GenerativeModel } from '@peftjs/models';
import { ModuleDict } from './tuners/adapter-dict.js';
import { disposeDetached } from './tuners/dispose-detached.js';
import { withAdapterNames } from './tuners/adapter-names.js';
import { alignFanInFanOut } from './tuners/fan-in-fan-out.js';
import { injectAdapter } from './tuners/inject.js';
import type { AdapterContext, LayerConfig, LayerMethod } from './tuners/layer-method.js';
import { ModulesToSaveWrapper } from './tuners/modules-to-save.js';
import { resolveTargetModules } from './tuners/default-targets.js';
import { TunerLayer } from './tuners/tuner-layer.js';
import { TunerModel } from './tuners/tuner-model.js';
import { mergeIntoQuantizedBase, type QuantizedBaseMerge, type QuantizedMergeReport } from './tuners/quantized-merge.js';
import type { PromptContext, PromptMethod } from './prompt-method.js';

export interface MergeOptions {
  /** Checks the merged weights for NaN and infinities before writing them; refuses to merge if any. */
  safeMerge?: boolean;
  /** The adapters to merge (default: the active ones). */
  adapterNames?: readonly string[];
  /**
   * mergeAndUnload onto a quantized base (QLoRA): 'requantize' (default, as PEFT) dequantizes W,
   * merges and quantizes the result again in the base's format; 'dequantize' returns float Linear
   * layers instead (no rounding).
   */
  quantizedBase?: QuantizedBaseMerge;
  /** Called once for each re-quantized layer with its rounding error. */
  onRoundingError?: (report: QuantizedMergeReport) => void;
}

export interface AddAdapterOptions {
  /**
   * The adapter's tensors are loaded from a file next (PEFT's from_pretrained / load_adapter):
   * initialisations that change the base weights (PiSSA, OLoRA) wait until the file is loaded.
   */
  loading?: boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** The wrapped model's forward arguments; an inputs object may also carry per-row `adapterNames`. */
export type PeftForwardInputs<M extends Module> = Parameters<M['forward']> extends [infer First, ...infer Rest]
  ? [First extends object ? First & { adapterNames?: readonly string[] } : First, ...Rest]
  : Parameters<M['forward']>;

/** What the wrapped model's forward returns. */
export type PeftForwardOutput<M extends Module> = ReturnType<M['forward']>;

/**
 * PEFT's PeftModel: the user's model with one or more adapters of one PEFT method. Layer methods
 * live in `base_model` (a TunerModel around the model: names read `base_model.model.<path>`);
 * prompt methods keep their encoders in `prompt_encoder.<adapter>`. Generic over the wrapped
 * model, so `forward` takes and returns what the model's forward does.
 */
export class PeftModel<M extends Module = Module> extends Module {
  /** The config of every adapter, by name. */
  // no prototype: an adapter named "toString" or "__proto__" is an ordinary key
  readonly peftConfig: Record<string, PeftConfig> = Object.create(null) as Record<string, PeftConfig>;
  private active: string[] = [];
  private disabledCount = 0;
  private unloaded = false;
  readonly method: PeftMethod;

  constructor(model: M, config: PeftConfig, adapterName = 'default', options: AddAdapterOptions = {}) {
    super();
    if (model instanceof PeftModel) throw new TypeError('getPeftModel: the model is already a PeftModel; use addAdapter');
    this.method = getPeftMethod(config.peftType);
    if (this.method.kind === 'layer') {
      this.registerModule('base_model', new TunerModel(model));
    } else {
      this.registerModule('base_model', model);
      this.registerModule('prompt_encoder', new ModuleDict());
    }
    this.addAdapter(adapterName, config, options);
  }

  /** The tuner model (layer methods) or the user's model (prompt methods). */
  get baseModel(): Module {
    return this.child('base_model');
  }

  /** The user's model, with the adapter layers inside it. */
  getBaseModel(): M {
    const b = this.baseModel;
    return (b instanceof TunerModel ? b.model : b) as M;
  }

  get peftType(): string {
    return this.method.peftType;
  }

  /** The first active adapter (PEFT's active_adapter). */
  get activeAdapter(): string {
    return this.active[0]!;
  }

  get activeAdapters(): readonly string[] {
    return this.active;
  }

  private get tuner(): TunerModel {
    const b = this.baseModel;
    if (!(b instanceof TunerModel)) throw new Error(`PeftModel: ${this.peftType} is a prompt method; it has no tuner layers`);
    return b;
  }

  private get promptEncoders(): ModuleDict {
    return this.child<ModuleDict>('prompt_encoder');
  }

  private assertUsable(op: string): void {
    if (this.unloaded) throw new Error(`${op}: this PeftModel was unloaded; use the model unload() returned`);
  }

  private context(adapterName: string, loading = false): AdapterContext<LayerConfig> {
    return { tuner: this.tuner, config: this.peftConfig[adapterName] as LayerConfig, adapterName, loading };
  }

  private promptContext(adapterName: string): PromptContext {
    return { model: this.baseModel, encoder: this.promptEncoders.at(adapterName), config: this.peftConfig[adapterName]! };
  }

  /** Tuner layers and modules-to-save wrappers, by name in the PEFT model. */
  private *wrappers(): Generator<[string, TunerLayer | ModulesToSaveWrapper]> {
    for (const [key, m] of this.namedModules()) if (m instanceof TunerLayer || m instanceof ModulesToSaveWrapper) yield [key, m];
  }

  /**
   * Adds an adapter (PEFT's add_adapter). The first adapter becomes active; later ones wait for
   * setAdapter. If anything fails, the model is left as it was.
   */
  addAdapter(adapterName: string, config: PeftConfig, options: AddAdapterOptions = {}): void {
    this.assertUsable('addAdapter');
    if (typeof adapterName !== 'string' || adapterName === '' || adapterName.includes('.') || adapterName === '__base__') {
      throw new TypeError(`addAdapter: adapter name must be a non-empty string without dots (not '__base__'), got ${JSON.stringify(adapterName)}`);
    }
    if (Object.hasOwn(this.peftConfig, adapterName)) throw new Error(`addAdapter: an adapter named '${adapterName}' already exists`);
    if (config.peftType !== this.method.peftType) {
      throw new Error(`addAdapter: cannot combine adapters of different PEFT types (${this.method.peftType} and ${config.peftType})`);
    }
    // PEFT records where the base model came from (its name_or_path) in the adapter's config
    const nameOrPath = (this.getBaseModel() as { nameOrPath?: unknown }).nameOrPath;
    if (config.baseModelNameOrPath === null && typeof nameOrPath === 'string') config = config.with({ baseModelNameOrPath: nameOrPath });
    if (this.method.kind === 'layer') {
      const layerConfig = config as LayerConfig;
      this.peftConfig[adapterName] = alignFanInFanOut(resolveTargetModules(layerConfig, this.tuner.model), this.tuner.model);
      try {
        // a layer constructor that throws halfway leaves its tensors to disposeOnThrow
        disposeOnThrow(() => injectAdapter(this.method as LayerMethod, this.context(adapterName, options.loading)));
      } catch (err) {
        this.removeAdapter(adapterName);
        throw err;
      }
    } else {
      const method = this.method as PromptMethod;
      const prepared = method.prepareConfig?.(config, this.baseModel) ?? config;
      this.peftConfig[adapterName] = prepared;
      this.promptEncoders.set(adapterName, method.createEncoder(prepared, this.baseModel));
    }
    if (this.active.length === 0) this.active = [adapterName];
    this.applyActiveAdapters();
  }

  /** Makes `adapterName` (or several names) the active adapters; only they train. */
  setAdapter(adapterName: string | readonly string[]): void {
    this.assertUsable('setAdapter');
    const names = typeof adapterName === 'string' ? [adapterName] : [...adapterName];
    for (const n of names) if (!Object.hasOwn(this.peftConfig, n)) throw new Error(`setAdapter: no adapter '${n}'; adapters: ${Object.keys(this.peftConfig).join(', ')}`);
    if (this.method.kind === 'prompt' && names.length !== 1) throw new Error(`setAdapter: ${this.peftType} takes one active adapter, got ${names.length}`);
    this.active = names;
    this.applyActiveAdapters();
  }

  /** Freezes everything except the active adapters' tensors (and not those in inference mode). */
  private applyActiveAdapters(): void {
    for (const p of this.baseModel.parameters()) p.requiresGrad = false;
    const trainable = this.active.some((a) => !this.peftConfig[a]!.inferenceMode);
    if (this.method.kind === 'prompt') {
      for (const name of this.promptEncoders.keys()) {
        for (const p of this.promptEncoders.at(name).parameters()) p.requiresGrad = trainable && this.active.includes(name);
      }
      return;
    }
    for (const [, m] of this.wrappers()) {
      if (m instanceof TunerLayer) m.setAdapter(this.active, trainable);
      else m.setAdapter(this.active.find((a) => m.copies.entry(a)) ?? null, trainable);
    }
    const method = this.method as LayerMethod;
    for (const a of this.active) {
      for (const [, t] of method.extraTensors?.(this.context(a)) ?? []) t.requiresGrad = trainable;
    }
  }

  /**
   * Runs with every adapter switched off (PEFT's `with model.disable_adapter():`): pass a function
   * (sync or async), or keep the returned handle and dispose it (`using _ = peft.disableAdapter()`).
   */
  disableAdapter(): Disposable;
  disableAdapter<T>(fn: () => T): T;
  disableAdapter<T>(fn?: () => T): T | Disposable {
    this.assertUsable('disableAdapter');
    this.setDisabled(++this.disabledCount > 0);
    let restored = false;
    const restore = () => {
      if (restored) return;
      restored = true;
      this.setDisabled(--this.disabledCount > 0);
    };
    if (!fn) return { [Symbol.dispose]: restore };
    let result: T;
    try {
      result = fn();
    } catch (err) {
      restore();
      throw err;
    }
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  }

  private setDisabled(disabled: boolean): void {
    for (const [, m] of this.wrappers()) m.disabled = disabled;
    if (this.method.kind === 'layer') for (const a of this.active) (this.method as LayerMethod).setDisabled?.(this.context(a), disabled);
  }

  /** Removes an adapter and its tensors (PEFT's delete_adapter); another adapter becomes active if needed. */
  deleteAdapter(adapterName: string): void {
    this.assertUsable('deleteAdapter');
    if (!Object.hasOwn(this.peftConfig, adapterName)) throw new Error(`deleteAdapter: no adapter '${adapterName}'; adapters: ${Object.keys(this.peftConfig).join(', ')}`);
    this.removeAdapter(adapterName);
    this.active = this.active.filter((a) => a !== adapterName);
    if (this.active.length === 0 && Object.keys(this.peftConfig).length > 0) this.active = [Object.keys(this.peftConfig)[0]!];
    this.applyActiveAdapters();
  }

  private removeAdapter(adapterName: string): void {
    if (this.method.kind === 'layer') {
      for (const [key, m] of [...this.wrappers()]) {
        m.deleteAdapter(adapterName);
        if (m instanceof TunerLayer && m.adapterNames().length === 0) this.setSubmodule(key, m.baseLayer);
        if (m instanceof ModulesToSaveWrapper && m.copies.keys().length === 0) this.setSubmodule(key, m.originalModule);
      }
      if (Object.hasOwn(this.peftConfig, adapterName)) (this.method as LayerMethod).deleteAdapter?.(this.context(adapterName));
    } else if (this.promptEncoders.entry(adapterName)) {
      this.promptEncoders.delete(adapterName);
    }
    delete this.peftConfig[adapterName];
  }

  /** Tuner layers by name. */
  private tunerLayers(): [string, TunerLayer][] {
    return [...this.wrappers()].filter((e): e is [string, TunerLayer] => e[1] instanceof TunerLayer);
  }

  /**
   * Merges adapters into the base weights (PEFT's merge_adapter). With `safeMerge`, every merged
   * weight is checked for NaN and infinities first, and nothing is written if one is found.
   */
  async mergeAdapter(options: MergeOptions = {}): Promise<void> {
    this.assertUsable('mergeAdapter');
    const names = [...(options.adapterNames ?? this.active)];
    for (const n of names) if (!Object.hasOwn(this.peftConfig, n)) throw new Error(`mergeAdapter: no adapter '${n}'`);
    if (this.method.kind === 'prompt') throw new Error(`mergeAdapter: ${this.peftType} adapters cannot be merged into the weights`);
    const quantized = this.tunerLayers().filter(([, layer]) => layer.baseLayer instanceof QuantizedLinear).map(([key]) => key);
    if (quantized.length > 0) {
      throw new Error(
        `mergeAdapter: ${quantized.length} layer(s) have a quantized base (${quantized.slice(0, 3).join(', ')}${quantized.length > 3 ? ', ...' : ''}); ` +
          "merging in place would round the base on every merge and unmerge; use mergeAndUnload({ quantizedBase: 'requantize' | 'dequantize' })",
      );
    }
    const plans = await this.planMerges('mergeAdapter', names, this.tunerLayers(), options.safeMerge ?? false);
    for (const { layer, plan } of plans) layer.commitMerge(plan);
  }

  /** Takes merged adapters back out of the base weights (PEFT's unmerge_adapter). */
  unmergeAdapter(): void {
    this.assertUsable('unmergeAdapter');
    for (const [, layer] of this.tunerLayers()) layer.unmerge();
  }

  /**
   * Merges the adapters into the base weights and returns the plain model (PEFT's
   * merge_and_unload). With `safeMerge`, NaN or infinite results are refused and the PEFT model
   * is left as it was.
   */
  async mergeAndUnload(options: MergeOptions = {}): Promise<M> {
    this.assertUsable('mergeAndUnload');
    const mode = options.quantizedBase ?? 'requantize';
    if (mode !== 'requantize' && mode !== 'dequantize') throw new TypeError(`mergeAndUnload: quantizedBase must be 'requantize' or 'dequantize', got ${String(mode)}`);
    const quantized = this.tunerLayers().filter(([, layer]) => layer.baseLayer instanceof QuantizedLinear);
    if (quantized.length > 0) {
      const names = [...(options.adapterNames ?? this.active)];
      for (const n of names) if (!(n in this.peftConfig)) throw new Error(`mergeAndUnload: no adapter '${n}'`);
      // every merged base is made before any is installed, so a failure leaves the model as it was
      const made: { layer: TunerLayer; module: Module; adapters: string[] }[] = [];
      const reports: QuantizedMergeReport[] = [];
      try {
        for (const [key, layer] of quantized) {
          const adapters = names.filter((a) => layer.hasAdapter(a) && !layer.mergedAdapters.includes(a));
          const { module, report } = await mergeIntoQuantizedBase(layer, adapters, mode, key.slice('base_model.model.'.length), options.safeMerge ?? false);
          made.push({ layer, module, adapters });
          if (report) reports.push(report);
        }
      } catch (err) {
        for (const m of made) m.module.dispose();
        throw err;
      }
      const floatLayers = this.tunerLayers().filter(([, layer]) => !(layer.baseLayer instanceof QuantizedLinear));
      await this.mergeFloatLayers(options, floatLayers, made);
      for (const m of made) m.layer.replaceBaseLayer(m.module, m.adapters);
      for (const r of reports) options.onRoundingError?.(r);
      return this.unloadWrappers();
    }
    await this.mergeAdapter(options);
    return this.unloadWrappers();
  }

  /**
   * The merge plan of every layer in `layers`. With `safeMerge`, a plan with NaN or infinite values
   * frees every plan and throws naming the layer; nothing is written either way.
   */
  private async planMerges(op: string, names: readonly string[], layers: readonly [string, TunerLayer][], safeMerge: boolean) {
    const plans = layers.map(([key, layer]) => ({ key, layer, plan: layer.planMerge(names) }));
    if (!safeMerge) return plans;
    for (const { key, layer, plan } of plans) {
      for (const [name, t] of plan.state) {
        if (await isFinite(t)) continue;
        for (const p of plans) {
          const current = new Set(p.layer.baseState().values());
          for (const v of p.plan.state.values()) if (!current.has(v)) v.dispose();
        }
        throw new Error(`${op}: merging adapters [${plan.adapters.join(', ')}] into '${key}' gives NaN or infinite values in ${name}; nothing was merged (${layer.constructor.name})`);
      }
    }
    return plans;
  }

  /** mergeAdapter on the float layers of a model that also has quantized ones (whose merged bases are in `made`). */
  private async mergeFloatLayers(options: MergeOptions, layers: readonly [string, TunerLayer][], made: readonly { module: Module }[]): Promise<void> {
    let plans;
    try {
      plans = await this.planMerges('mergeAndUnload', [...(options.adapterNames ?? this.active)], layers, options.safeMerge ?? false);
    } catch (err) {
      for (const m of made) m.module.dispose();
      throw err;
    }
    for (const { layer, plan } of plans) layer.commitMerge(plan);
  }

  /** The plain model without any adapter and without merging (PEFT's unload). */
  unload(): M {
    this.assertUsable('unload');
    if (this.method.kind === 'layer') this.unmergeAdapter();
    return this.unloadWrappers();
  }

  private unloadWrappers(): M {
    if (this.method.kind === 'prompt') {
      this.unloaded = true;
      return this.baseModel as M;
    }
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
    this.unloaded = true;
    return model as M;
  }

  /**
   * Takes every adapter out again and gives the user's model back its own modules, untouched
   * (a failed from_pretrained rolls back with it): no module is swapped for a copy and no tensor
   * of the model is freed. The caller restores the flags it recorded; this PeftModel is unusable after.
   * @internal
   */
  discardAdapters(): void {
    this.assertUsable('discardAdapters');
    for (const name of Object.keys(this.peftConfig).reverse()) this.removeAdapter(name);
    this.active = [];
    this.unloaded = true;
  }

  /** Parameters that train: the active adapters' tensors (and modules to save). */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** PEFT's get_nb_trainable_parameters: numbers of trainable and of all parameters. */
  getNbTrainableParameters(): { trainable: number; all: number } {
    let trainable = 0;
    let all = 0;
    for (const p of this.parameters()) {
      all += p.size;
      if (p.requiresGrad) trainable += p.size;
    }
    return { trainable, all };
  }

  /** PEFT's print_trainable_parameters. */
  printTrainableParameters(log: (line: string) => void = console.log): void {
    const { trainable, all } = this.getNbTrainableParameters();
    const fmt = (n: number) => n.toLocaleString('en-US');
    log(`trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${((100 * trainable) / all).toFixed(4)}`);
  }

  /**
   * Text generation with the active adapters (transformers' generate through PEFT): inside
   * `disableAdapter` it is the base model's, `adapterNames` picks an adapter per prompt, and
   * prompt-learning adapters put their virtual tokens in front (in the KV cache).
   */
  generate(inputs: GenerationInputs, options: GenerationOptions = {}): Promise<GenerateOutput> {
    this.assertUsable('generate');
    return generate(this as unknown as GenerativeModel, inputs, options);
  }

  /**
   * The model's forward with the active adapters. `adapterNames` in an inputs object (or as the
   * option of `forwardWithAdapters`) picks an adapter per batch row, '__base__' for none.
   */
  forward(...args: PeftForwardInputs<M>): PeftForwardOutput<M> {
    return this.forwardAny(args) as PeftForwardOutput<M>;
  }

  private forwardAny(inputs: unknown[]): unknown {
    this.assertUsable('forward');
    const first = inputs[0];
    if (isPlainObject(first) && 'adapterNames' in first) {
      const { adapterNames, ...rest } = first;
      return this.forwardWithAdapterList(adapterNames as string[], [rest, ...inputs.slice(1)]);
    }
    if (this.method.kind === 'prompt') {
      if (this.disabledCount > 0) return (this.baseModel.forward as (...a: unknown[]) => unknown)(...inputs);
      return (this.method as PromptMethod).forward(this.promptContext(this.activeAdapter), inputs);
    }
    const output = this.tuner.forward(...inputs);
    const method = this.method as LayerMethod;
    if (!method.afterForward || this.disabledCount > 0) return output;
    return method.afterForward(output, this.context(this.activeAdapter));
  }

  /** The forward with adapter `adapterNames[i]` on batch row i (PEFT's mixed-batch inference). */
  forwardWithAdapters(adapterNames: readonly string[], ...inputs: Parameters<M['forward']>): PeftForwardOutput<M> {
    return this.forwardWithAdapterList(adapterNames, inputs) as PeftForwardOutput<M>;
  }

  private forwardWithAdapterList(adapterNames: readonly string[], inputs: unknown[]): unknown {
    if (!Array.isArray(adapterNames) || !adapterNames.every((n) => typeof n === 'string')) throw new TypeError('forward: adapterNames must be a list of adapter names');
    for (const n of new Set(adapterNames)) {
      if (n !== '__base__' && !Object.hasOwn(this.peftConfig, n)) throw new Error(`forward: adapterNames names an unknown adapter '${n}'; adapters: ${Object.keys(this.peftConfig).join(', ')}`);
    }
    if (this.method.kind === 'prompt') throw new Error(`forward: per-sample adapterNames are not supported for ${this.peftType}`);
    if (this.training) throw new Error('forward: per-sample adapterNames are for inference; call eval() first');
    return withAdapterNames(adapterNames, () => this.tuner.forward(...inputs));
  }

  /** The method's hooks for an adapter (used by saving and loading). */
  adapterContext(adapterName: string): AdapterContext<LayerConfig> | PromptContext {
    if (!Object.hasOwn(this.peftConfig, adapterName)) throw new Error(`PeftModel: no adapter '${adapterName}'; adapters: ${Object.keys(this.peftConfig).join(', ')}`);
    return this.method.kind === 'layer' ? this.context(adapterName) : this.promptContext(adapterName);
  }
}

async function isFinite(t: Tensor): Promise<boolean> {
  const zero = noGrad(() => {
    const d = sub(t, t);
    const s = sum(d);
    d.dispose();
    return s;
  });
  const v = await zero.item();
  zero.dispose();
  return v === 0;
}

/** PEFT's get_peft_model: wraps `model` with a new adapter of the config's method. */
export function getPeftModel<M extends Module>(model: M, config: PeftConfig, adapterName = 'default'): PeftModel<M> {
  return new PeftModel(model, config, adapterName);
}
