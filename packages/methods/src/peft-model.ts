import { Module, QuantizedLinear, noGrad, sub, sum, type Tensor } from '@peftjs/core';
import { generate, type GenerateOutput, type GenerationInputs, type GenerationOptions, type GenerativeModel } from '@peftjs/models';
import { getPeftMethod } from './method/registry.js';
import type { PeftConfig } from './method/peft-config.js';
import type { PeftMethod } from './method/peft-method.js';
import type { AdapterStrategy, AddAdapterOptions } from './strategy/adapter-strategy.js';
import { strategyFor } from './strategy/strategy-for.js';
import type { TunerLayer } from './tuners/tuner-layer.js';
import { mergeIntoQuantizedBase, type QuantizedBaseMerge, type QuantizedMergeReport } from './tuners/quantized-merge.js';

export type { AddAdapterOptions } from './strategy/adapter-strategy.js';

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

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** The wrapped model's forward arguments; an inputs object may also carry per-row `adapterNames`. */
export type PeftForwardInputs<M extends Module> =
  Parameters<M['forward']> extends [infer First, ...infer Rest]
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
export class PeftModel<M extends Module = Module> extends Module<PeftForwardInputs<M>, PeftForwardOutput<M>> {
  private active: string[] = [];
  private disabledCount = 0;
  private unloaded = false;
  readonly method: PeftMethod;
  /** What this method's kind does differently (layer or prompt); saving and loading go through it. */
  readonly strategy: AdapterStrategy;
  // in a plain object: a Module field would register the user's model as a child `model`
  private readonly user: { readonly model: M };

  constructor(model: M, config: PeftConfig, adapterName = 'default', options: AddAdapterOptions = {}) {
    super();
    if (model instanceof PeftModel) throw new TypeError('getPeftModel: the model is already a PeftModel; use addAdapter');
    this.user = { model };
    this.method = getPeftMethod(config.peftType);
    this.strategy = strategyFor(this.method, model);
    for (const [name, child] of this.strategy.children) this.registerModule(name, child);
    this.addAdapter(adapterName, config, options);
  }

  /** The config of every adapter, by name. */
  get peftConfig(): Record<string, PeftConfig> {
    return this.strategy.configs;
  }

  /** The tuner model (layer methods) or the user's model (prompt methods). */
  get baseModel(): Module {
    return this.strategy.baseModel;
  }

  /** The user's model, with the adapter layers inside it. */
  getBaseModel(): M {
    return this.user.model;
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

  private assertUsable(op: string): void {
    if (this.unloaded) throw new Error(`${op}: this PeftModel was unloaded; use the model unload() returned`);
  }

  /**
   * Adds an adapter (PEFT's add_adapter). The first adapter becomes active; later ones wait for
   * setAdapter. If anything fails, the model is left as it was.
   */
  addAdapter(adapterName: string, config: PeftConfig, options: AddAdapterOptions = {}): void {
    this.assertUsable('addAdapter');
    if (typeof adapterName !== 'string' || adapterName === '' || adapterName.includes('.') || adapterName === '__base__') {
      throw new TypeError(
        `addAdapter: adapter name must be a non-empty string without dots (not '__base__'), got ${JSON.stringify(adapterName)}`,
      );
    }
    if (Object.hasOwn(this.peftConfig, adapterName)) throw new Error(`addAdapter: an adapter named '${adapterName}' already exists`);
    if (config.peftType !== this.method.peftType) {
      throw new Error(`addAdapter: cannot combine adapters of different PEFT types (${this.method.peftType} and ${config.peftType})`);
    }
    // PEFT records where the base model came from (its name_or_path) in the adapter's config
    const nameOrPath = 'nameOrPath' in this.user.model ? this.user.model.nameOrPath : undefined;
    if (config.baseModelNameOrPath === null && typeof nameOrPath === 'string') config = config.with({ baseModelNameOrPath: nameOrPath });
    this.strategy.addAdapter(adapterName, config, options);
    if (this.active.length === 0) this.active = [adapterName];
    this.applyActiveAdapters();
  }

  /** Makes `adapterName` (or several names) the active adapters; only they train. */
  setAdapter(adapterName: string | readonly string[]): void {
    this.assertUsable('setAdapter');
    const names = typeof adapterName === 'string' ? [adapterName] : [...adapterName];
    for (const n of names)
      if (!Object.hasOwn(this.peftConfig, n))
        throw new Error(`setAdapter: no adapter '${n}'; adapters: ${Object.keys(this.peftConfig).join(', ')}`);
    this.strategy.checkActive(names);
    this.active = names;
    this.applyActiveAdapters();
  }

  /** Freezes everything except the active adapters' tensors (and not those in inference mode). */
  private applyActiveAdapters(): void {
    for (const p of this.baseModel.parameters()) p.requiresGrad = false;
    const trainable = this.active.some((a) => !this.peftConfig[a]!.inferenceMode);
    this.strategy.applyActive(this.active, trainable);
  }

  /**
   * Runs with every adapter switched off (PEFT's `with model.disable_adapter():`): pass a function
   * (sync or async), or keep the returned handle and dispose it (`using _ = peft.disableAdapter()`).
   */
  disableAdapter(): Disposable;
  disableAdapter<T>(fn: () => T): T;
  disableAdapter<T>(fn?: () => T): unknown {
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
    if (result instanceof Promise) return result.finally(restore);
    restore();
    return result;
  }

  private setDisabled(disabled: boolean): void {
    this.strategy.setDisabled(this.active, disabled);
  }

  /** Removes an adapter and its tensors (PEFT's delete_adapter); another adapter becomes active if needed. */
  deleteAdapter(adapterName: string): void {
    this.assertUsable('deleteAdapter');
    if (!Object.hasOwn(this.peftConfig, adapterName))
      throw new Error(`deleteAdapter: no adapter '${adapterName}'; adapters: ${Object.keys(this.peftConfig).join(', ')}`);
    this.removeAdapter(adapterName);
    this.active = this.active.filter((a) => a !== adapterName);
    if (this.active.length === 0 && Object.keys(this.peftConfig).length > 0) this.active = [Object.keys(this.peftConfig)[0]!];
    this.applyActiveAdapters();
  }

  private removeAdapter(adapterName: string): void {
    this.strategy.removeAdapter(adapterName);
  }

  /** Tuner layers by name. */
  private tunerLayers(): [string, TunerLayer][] {
    return this.strategy.tunerLayers();
  }

  /**
   * Merges adapters into the base weights (PEFT's merge_adapter). With `safeMerge`, every merged
   * weight is checked for NaN and infinities first, and nothing is written if one is found.
   */
  async mergeAdapter(options: MergeOptions = {}): Promise<void> {
    this.assertUsable('mergeAdapter');
    const names = [...(options.adapterNames ?? this.active)];
    for (const n of names) if (!Object.hasOwn(this.peftConfig, n)) throw new Error(`mergeAdapter: no adapter '${n}'`);
    this.strategy.assertMergeable('mergeAdapter');
    const quantized = this.tunerLayers()
      .filter(([, layer]) => layer.baseLayer instanceof QuantizedLinear)
      .map(([key]) => key);
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
    if (mode !== 'requantize' && mode !== 'dequantize')
      throw new TypeError(`mergeAndUnload: quantizedBase must be 'requantize' or 'dequantize', got ${String(mode)}`);
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
          const { module, report } = await mergeIntoQuantizedBase(
            layer,
            adapters,
            mode,
            key.slice('base_model.model.'.length),
            options.safeMerge ?? false,
          );
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
        for (const p of plans) p.layer.discardPlan(p.plan);
        throw new Error(
          `${op}: merging adapters [${plan.adapters.join(', ')}] into '${key}' gives NaN or infinite values in ${name}; nothing was merged (${layer.constructor.name})`,
        );
      }
    }
    return plans;
  }

  /** mergeAdapter on the float layers of a model that also has quantized ones (whose merged bases are in `made`). */
  private async mergeFloatLayers(
    options: MergeOptions,
    layers: readonly [string, TunerLayer][],
    made: readonly { module: Module }[],
  ): Promise<void> {
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
    this.unmergeAdapter();
    return this.unloadWrappers();
  }

  private unloadWrappers(): M {
    this.strategy.unload();
    this.unloaded = true;
    return this.user.model;
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
    // generate reads eos and pad ids from `baseModel`'s config
    const model: GenerativeModel & { baseModel: Module } = { forward: (x) => this.forwardAny([x]), baseModel: this.baseModel };
    return generate(model, inputs, options);
  }

  /**
   * The model's forward with the active adapters. `adapterNames` in an inputs object (or as the
   * option of `forwardWithAdapters`) picks an adapter per batch row, '__base__' for none.
   */
  forward(...args: PeftForwardInputs<M>): PeftForwardOutput<M> {
    return this.modelOutput(this.forwardAny(args));
  }

  /**
   * The one place the output's type is asserted: the strategy ran the wrapped model's forward (a
   * prompt method runs it with the prompt; AdaLoRA adds to an output's `loss`), so the output is the
   * model's, which the compiler cannot follow through the strategy.
   */
  private modelOutput(output: unknown): PeftForwardOutput<M> {
    return output as PeftForwardOutput<M>;
  }

  private forwardAny(inputs: unknown[]): unknown {
    this.assertUsable('forward');
    const first = inputs[0];
    if (isPlainObject(first) && 'adapterNames' in first) {
      const { adapterNames, ...rest } = first;
      return this.forwardWithAdapterList(adapterNames, [rest, ...inputs.slice(1)]);
    }
    return this.strategy.forward(inputs, this.activeAdapter, this.disabledCount > 0);
  }

  /** The forward with adapter `adapterNames[i]` on batch row i (PEFT's mixed-batch inference). */
  forwardWithAdapters(adapterNames: readonly string[], ...inputs: Parameters<M['forward']>): PeftForwardOutput<M> {
    return this.modelOutput(this.forwardWithAdapterList(adapterNames, inputs));
  }

  private forwardWithAdapterList(adapterNames: unknown, inputs: unknown[]): unknown {
    if (!isStringList(adapterNames)) throw new TypeError('forward: adapterNames must be a list of adapter names');
    for (const n of new Set(adapterNames)) {
      if (n !== '__base__' && !Object.hasOwn(this.peftConfig, n))
        throw new Error(`forward: adapterNames names an unknown adapter '${n}'; adapters: ${Object.keys(this.peftConfig).join(', ')}`);
    }
    return this.strategy.forwardPerRow(adapterNames, inputs, this.training);
  }
}

const isStringList = (v: unknown): v is readonly string[] => Array.isArray(v) && v.every((n) => typeof n === 'string');

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
