import { noGrad, type Tensor } from '@peftjs/core';
import { ModuleDict } from '../tuners/adapter-dict.js';
import { TunerLayer, type BaseState, type MergePlan, type WrappedLayer } from '../tuners/tuner-layer.js';
import type { LNTuningConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * LN tuning (Zhao et al., 2023): each adapter is a trainable copy of the targeted module (a norm
 * layer), `ln_tuning_layers.<adapter>`, and the forward runs the active copy. Merging swaps the
 * copy's values into the base module (the copy keeps the originals until unmerge swaps them back),
 * as PEFT swaps the modules; only one adapter runs or merges at a time.
 */
export class LNTuningLayer extends TunerLayer<LNTuningConfig> {
  readonly adapterLayerNames = ['ln_tuning_layers'];

  get lnTuningLayers(): ModuleDict<WrappedLayer> {
    return this.dict('ln_tuning_layers', () => new ModuleDict<WrappedLayer>());
  }

  updateLayer({ adapterName, config }: WrapContext<LNTuningConfig>): void {
    this.configs.set(adapterName, config);
    this.lnTuningLayers.set(adapterName, this.baseLayer.clone());
  }

  protected override applyAdapters(x: Tensor, adapters: readonly string[], rest: unknown[] = []): Tensor {
    if (adapters.length === 0) return this.baseForward(x, ...rest);
    if (adapters.length > 1) throw new Error(`LNTuningLayer: LN tuning runs one adapter at a time, got [${adapters.join(', ')}]`);
    const copy = this.lnTuningLayers.at(adapters[0]!);
    return copy.forward(x, ...rest);
  }

  /** Every tensor of the base module (a norm may keep them in children too). */
  override baseState(): BaseState {
    return this.baseLayer.stateDict();
  }

  private copyState(adapter: string): Map<string, Tensor> {
    return this.lnTuningLayers.at(adapter).stateDict();
  }

  override mergedBaseState(adapter: string, state: BaseState): BaseState {
    const copy = this.copyState(adapter);
    return new Map([...state].map(([k, t]) => [k, copy.has(k) ? copy.get(k)!.clone() : t]));
  }

  override planMerge(adapters: readonly string[]): MergePlan {
    const todo = adapters.filter((a) => this.hasAdapter(a) && !this.mergedAdapters.includes(a));
    if (todo.length > 1) throw new Error(`LNTuningLayer: LN tuning merges one adapter at a time, got [${todo.join(', ')}]`);
    // like PEFT, a merged adapter is taken out before another goes in
    if (todo.length === 1 && this.mergedAdapters.length > 0) this.unmerge();
    return super.planMerge(todo);
  }

  override commitMerge(plan: MergePlan): void {
    for (const adapter of plan.adapters) this.keepBaseIn(adapter);
    super.commitMerge(plan);
  }

  /** Copies the base module's current values into the adapter's copy. */
  private keepBaseIn(adapter: string): void {
    const copy = this.copyState(adapter);
    noGrad(() => {
      for (const [k, t] of this.baseState()) {
        const saved = t.clone();
        copy.get(k)?.assign(saved);
        saved.dispose();
      }
    });
  }

  /** Swaps the values back: the base gets its own, the copy its trained ones. */
  override unmerge(): void {
    while (this.mergedAdapters.length > 0) {
      const adapter = this.mergedAdapters.pop()!;
      const copy = this.copyState(adapter);
      noGrad(() => {
        for (const [k, t] of this.baseState()) {
          const other = copy.get(k);
          if (!other) continue;
          const merged = t.clone();
          t.assign(other);
          other.assign(merged);
          merged.dispose();
        }
      });
    }
  }
}
