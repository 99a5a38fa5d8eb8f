import { Module, add, concat, noGrad, sub, tensor, type Tensor } from '@peftjs/core';
import { ModuleDict, adapterTensorsIn, isTensorDict } from './adapter-dict.js';
import { BASE_ADAPTER, currentAdapterNames } from './adapter-names.js';
import { baseLayerInfo, type BaseLayerInfo } from './base-weights.js';
import type { PeftConfig } from '../method/peft-config.js';
import type { WrapContext } from '../method/layer-method.js';

/** What a tuner layer wraps: a module from a tensor (and any further arguments) to a tensor. */
export type WrappedLayer = Module<[Tensor, ...unknown[]], Tensor>;

/** The base layer's own tensors by name (`weight`, `bias`), as merging reads and writes them. */
export type BaseState = Map<string, Tensor>;

/** Merging one adapter: the new base tensors, and DoRA's weight norm, which unmerging needs. */
export interface MergeStep {
  state: BaseState;
  weightNorm?: Tensor;
}

/** A merge computed but not written yet (see planMerge): nothing in the layer changed. */
export interface MergePlan {
  adapters: string[];
  state: BaseState;
  /** The weight norms of the plan's DoRA adapters, kept by the layer when the plan is committed. */
  weightNorms: Map<string, Tensor>;
}

/** A per-adapter map the layer clears itself (see TunerLayer.adapterMap). */
interface AdapterSetting {
  delete(adapter: string): void;
  clear(): void;
}

/**
 * PEFT's BaseTunerLayer: wraps `base_layer` and holds per-adapter tensors in dicts named after
 * the method (`lora_A`, `lora_B`), so names match PEFT's. It applies the active adapters in
 * forward, merges them into the base weights and back, and can be switched off.
 *
 * A method's layer implements `updateLayer` (add an adapter) and either `adapterOutput` (what an
 * adapter adds to the base output) or `applyAdapters` (a forward that is not additive). Methods
 * that can merge implement `deltaWeight`, or `mergedBaseState`/`unmergedBaseState` when the merge
 * is not an addition.
 */
export abstract class TunerLayer<C extends PeftConfig = PeftConfig> extends Module<[Tensor, ...unknown[]], Tensor> {
  /** Per-adapter dicts holding trainable tensors (`lora_A`, `lora_B`). */
  abstract readonly adapterLayerNames: readonly string[];
  /** Per-adapter dicts or values that are not trained but belong to an adapter (saved buffers, dropout). */
  readonly otherAdapterLayerNames: readonly string[] = [];
  activeAdapters: string[] = [];
  mergedAdapters: string[] = [];
  /** PEFT's disable_adapters: the forward is the base layer's (merged adapters are unmerged first). */
  disabled = false;
  private readonly settings: AdapterSetting[] = [];
  /** Per-adapter configs, as given to updateLayer. */
  protected readonly configs = this.adapterMap<C>();

  constructor(baseLayer: Module) {
    super();
    this.registerModule('base_layer', baseLayer);
  }

  get baseLayer(): WrappedLayer {
    return this.child<WrappedLayer>('base_layer');
  }

  /** Shape facts of a Linear/Conv1D/Embedding/Conv2d base layer (null for other modules). */
  get base(): BaseLayerInfo {
    const info = baseLayerInfo(this.baseLayer);
    if (!info) throw new Error(`${this.constructor.name}: the base layer ${this.baseLayer.constructor.name} has no weight to adapt`);
    return info;
  }

  /** Adds (or re-initialises) adapter `context.adapterName` on this layer. */
  abstract updateLayer(context: WrapContext<C>): void;

  /**
   * A map of one setting per adapter (a rank, a scaling, a cached table) that this layer clears
   * itself: deleteAdapter removes the adapter's entry and disposeAdapters every entry, each passed
   * to `free` first when given (for tensors).
   */
  protected adapterMap<V>(free?: (value: V) => void): Map<string, V> {
    const map = new Map<string, V>();
    this.settings.push({
      delete(adapter) {
        const value = map.get(adapter);
        if (free && value !== undefined) free(value);
        map.delete(adapter);
      },
      clear() {
        if (free) for (const value of map.values()) free(value);
        map.clear();
      },
    });
    return map;
  }

  /** The dict (ModuleDict or ParameterDict) named `name` on this layer, made when missing. */
  protected dict<D extends Module>(name: string, make: () => D): D {
    if (!this.has(name)) this.registerModule(name, make());
    return this.child<D>(name);
  }

  /** The adapters this layer holds (those present in any adapter dict). */
  adapterNames(): string[] {
    const names = new Set<string>();
    for (const dictName of this.adapterLayerNames) {
      if (!this.has(dictName)) continue;
      for (const n of this.child<ModuleDict>(dictName).keys()) names.add(n);
    }
    for (const n of this.configs.keys()) names.add(n);
    return [...names];
  }

  hasAdapter(name: string): boolean {
    return this.adapterNames().includes(name);
  }

  config(adapter: string): C {
    const c = this.configs.get(adapter);
    if (!c) throw new Error(`${this.constructor.name}: no adapter '${adapter}'`);
    return c;
  }

  /** The base layer's forward. */
  protected baseForward(x: Tensor, ...rest: unknown[]): Tensor {
    return this.baseLayer.forward(x, ...rest);
  }

  forward(x: Tensor, ...rest: unknown[]): Tensor {
    if (this.disabled) {
      if (this.mergedAdapters.length > 0) this.unmerge();
      return this.baseForward(x, ...rest);
    }
    const perSample = currentAdapterNames();
    if (perSample) {
      if (this.mergedAdapters.length > 0) {
        throw new Error(
          `${this.constructor.name}: per-sample adapter names cannot be used while adapters are merged (${this.mergedAdapters.join(', ')}); unmerge first`,
        );
      }
      return this.mixedBatchForward(x, perSample, rest);
    }
    if (this.mergedAdapters.length > 0) return this.baseForward(x, ...rest);
    return this.applyAdapters(
      x,
      this.activeAdapters.filter((a) => this.hasAdapter(a)),
      rest,
    );
  }

  /** The output with `adapters` applied (none: the base output). Additive by default. */
  protected applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    let out = this.baseForward(x, ...rest);
    for (const adapter of adapters) {
      const delta = this.adapterOutput(x, adapter);
      const cast = delta.cast(out.dtype);
      const next = add(out, cast);
      for (const t of new Set([out, delta, cast])) t.dispose();
      out = next;
    }
    return out;
  }

  /** What `adapter` adds to the base output for input `x` (additive methods). */
  protected adapterOutput(x: Tensor, adapter: string): Tensor {
    void x;
    throw new Error(`${this.constructor.name}: adapterOutput is not implemented for adapter '${adapter}'`);
  }

  /**
   * PEFT's mixed-batch forward: row i of the batch gets adapter names[i] ('__base__': none).
   * Each group runs on its own rows, and the rows are put back in order.
   */
  protected mixedBatchForward(x: Tensor, names: readonly string[], rest: unknown[]): Tensor {
    const batch = x.shape[0];
    if (x.rank < 2 || batch !== names.length) {
      throw new RangeError(
        `${this.constructor.name}: adapterNames has ${names.length} entries for a batch of ${batch ?? 'no'} rows (input ${JSON.stringify(x.shape)})`,
      );
    }
    const groups = new Map<string, number[]>();
    names.forEach((n, i) => groups.set(n, [...(groups.get(n) ?? []), i]));
    const parts: Tensor[] = [];
    const order: number[] = [];
    for (const [name, rows] of groups) {
      const index = tensor(rows, { dtype: 'int32' });
      const xs = x.indexSelect(0, index);
      // a layer the named adapter does not target acts as the base for those rows
      const adapters = name !== BASE_ADAPTER && this.hasAdapter(name) ? [name] : [];
      parts.push(this.applyAdapters(xs, adapters, rest));
      xs.dispose();
      index.dispose();
      order.push(...rows);
    }
    const stacked = parts.length === 1 ? parts[0]! : concat(parts, 0);
    if (parts.length > 1) for (const p of parts) p.dispose();
    const inverse = new Array<number>(order.length);
    order.forEach((row, i) => (inverse[row] = i));
    if (order.every((row, i) => row === i)) return stacked;
    const index = tensor(inverse, { dtype: 'int32' });
    const out = stacked.indexSelect(0, index);
    stacked.dispose();
    index.dispose();
    return out;
  }

  /** ΔW of `adapter` in the base weight's layout (additive methods). */
  deltaWeight(adapter: string): Tensor {
    throw new Error(`${this.constructor.name}: adapter '${adapter}' cannot be merged (no delta weight)`);
  }

  /** The base tensors (`weight`, `bias`) with `adapter` merged in: new tensors, the inputs untouched. */
  mergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.shiftWeight(adapter, state, add);
  }

  /** Merging `adapter` into `state`, with what its unmerge needs besides (DoRA's weight norm). */
  mergeStep(adapter: string, state: BaseState): MergeStep {
    return { state: this.mergedBaseState(adapter, state) };
  }

  /** The inverse of mergedBaseState. */
  unmergedBaseState(adapter: string, state: BaseState): BaseState {
    return this.shiftWeight(adapter, state, sub);
  }

  /** `state` with its weight replaced by `op(weight, ΔW)` (ΔW in the weight's dtype). */
  private shiftWeight(adapter: string, state: BaseState, op: (a: Tensor, b: Tensor) => Tensor): BaseState {
    const weight = state.get('weight')!;
    const out = new Map(state);
    noGrad(() => {
      const delta = this.deltaWeight(adapter);
      const cast = delta.cast(weight.dtype);
      out.set('weight', op(weight, cast));
      if (cast !== delta) cast.dispose();
      delta.dispose();
    });
    return out;
  }

  /** The base layer's own parameters and buffers (not its children's). */
  baseState(): BaseState {
    return new Map([...this.baseLayer.stateDict()].filter(([k]) => !k.includes('.')));
  }

  /**
   * New values of the base tensors with `adapters` merged (nothing is written yet; the caller
   * checks them, then calls commitMerge). Adapters already merged or absent are skipped.
   */
  planMerge(adapters: readonly string[]): MergePlan {
    const todo = adapters.filter((a) => this.hasAdapter(a) && !this.mergedAdapters.includes(a));
    const original = this.baseState();
    let state = original;
    const weightNorms = new Map<string, Tensor>();
    noGrad(() => {
      for (const a of todo) {
        const next = this.mergeStep(a, state);
        for (const [k, t] of state) if (next.state.get(k) !== t && original.get(k) !== t) t.dispose();
        state = next.state;
        if (next.weightNorm) weightNorms.set(a, next.weightNorm);
      }
    });
    return { adapters: todo, state, weightNorms };
  }

  /** Frees what a plan made (the merge was refused): tensors that are not the base's own. */
  discardPlan(plan: MergePlan): void {
    const current = new Set(this.baseState().values());
    for (const t of plan.state.values()) if (!current.has(t)) t.dispose();
    for (const t of plan.weightNorms.values()) t.dispose();
  }

  /** Writes a plan from planMerge into the base layer. */
  commitMerge(plan: MergePlan): void {
    this.writeBaseState(plan.state);
    this.mergedAdapters.push(...plan.adapters);
  }

  /** Merges `adapters` into the base weights (PEFT's merge without safe_merge). */
  merge(adapters: readonly string[] = this.activeAdapters): void {
    this.commitMerge(this.planMerge(adapters));
  }

  /** Takes every merged adapter back out of the base weights, last merged first. */
  unmerge(): void {
    while (this.mergedAdapters.length > 0) {
      const adapter = this.mergedAdapters[this.mergedAdapters.length - 1]!;
      this.writeBaseState(noGrad(() => this.unmergedBaseState(adapter, this.baseState())));
      this.mergedAdapters.pop();
    }
  }

  private writeBaseState(state: BaseState): void {
    const own = this.baseState();
    noGrad(() => {
      for (const [k, value] of state) {
        const target = own.get(k);
        if (!target) throw new Error(`${this.constructor.name}: the base layer has no tensor '${k}'`);
        if (target === value) continue;
        target.assign(value);
        value.dispose();
      }
    });
  }

  /** Makes `adapters` the active ones; only their tensors train (unless `trainable` is false). */
  setAdapter(adapters: readonly string[], trainable = true): void {
    this.activeAdapters = [...adapters];
    for (const dictName of this.adapterLayerNames) {
      if (!this.has(dictName)) continue;
      const dict = this.child<Module>(dictName);
      for (const [name, p] of dict.namedParameters()) {
        const adapter = name.split('.')[0]!;
        p.requiresGrad = trainable && adapters.includes(adapter);
      }
    }
  }

  /** Removes an adapter's tensors and settings from this layer. */
  deleteAdapter(adapter: string): void {
    if (this.mergedAdapters.includes(adapter))
      throw new Error(`${this.constructor.name}: adapter '${adapter}' is merged; unmerge it before deleting`);
    for (const dictName of [...this.adapterLayerNames, ...this.otherAdapterLayerNames]) {
      if (!this.has(dictName)) continue;
      const dict = this.child<Module>(dictName);
      if (dict instanceof ModuleDict || isTensorDict(dict)) dict.delete(adapter);
    }
    for (const setting of this.settings) setting.delete(adapter);
    this.activeAdapters = this.activeAdapters.filter((a) => a !== adapter);
  }

  /**
   * Puts `next` in place of the base layer (freeing the old one): a quantized base merged into a
   * new float or re-quantized layer, or LoftQ's quantized base. `merged` adapters count as merged into it.
   */
  replaceBaseLayer(next: Module, merged: readonly string[] = []): void {
    const old = this.baseLayer;
    this.registerModule('base_layer', next);
    if (old !== next) old.dispose();
    this.mergedAdapters.push(...merged);
  }

  /** Frees every adapter tensor of this layer, keeping the base layer (after unloading). */
  disposeAdapters(): void {
    for (const name of [...this.adapterLayerNames, ...this.otherAdapterLayerNames]) if (this.has(name)) this.unregister(name);
    for (const setting of this.settings) setting.clear();
  }

  /** This adapter's tensors in this layer as `[inMemory, onDisk, tensor]` (see adapterTensorsIn). */
  adapterTensors(adapter: string): Generator<[string, string, Tensor]> {
    return adapterTensorsIn(this, [...this.adapterLayerNames, ...this.otherAdapterLayerNames], adapter);
  }
}
