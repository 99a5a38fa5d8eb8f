import { Module, type Tensor } from '@peftjs/core';
import { ModuleDict } from './adapter-dict.js';

/**
 * PEFT's ModulesToSaveWrapper: keeps the original module and one trainable copy per adapter
 * (a classification head trained in full). The active adapter's copy runs; disabled, the original.
 */
export class ModulesToSaveWrapper extends Module {
  activeAdapter: string | null = null;
  disabled = false;

  constructor(original: Module) {
    super();
    this.registerModule('original_module', original);
    this.registerModule('modules_to_save', new ModuleDict());
  }

  get originalModule(): Module {
    return this.child('original_module');
  }

  get copies(): ModuleDict {
    return this.child<ModuleDict>('modules_to_save');
  }

  /** Adds a trainable copy of the original module for `adapter`. */
  addAdapter(adapter: string): void {
    const copy = this.originalModule.clone();
    for (const p of copy.parameters()) p.requiresGrad = true;
    this.copies.set(adapter, copy);
    this.activeAdapter ??= adapter;
  }

  setAdapter(adapter: string | null, trainable = true): void {
    this.activeAdapter = adapter !== null && this.copies.entry(adapter) ? adapter : null;
    for (const name of this.copies.keys()) {
      for (const p of this.copies.at(name).parameters()) p.requiresGrad = trainable && name === this.activeAdapter;
    }
    for (const p of this.originalModule.parameters()) p.requiresGrad = false;
  }

  deleteAdapter(adapter: string): void {
    this.copies.delete(adapter);
    if (this.activeAdapter === adapter) this.activeAdapter = null;
  }

  /** The module that runs now. */
  get current(): Module {
    return this.disabled || this.activeAdapter === null ? this.originalModule : this.copies.at(this.activeAdapter);
  }

  /** `[inMemory, onDisk, tensor]` of the adapter's copy: `modules_to_save.a.weight` → `weight`. */
  *adapterTensors(adapter: string): Generator<[string, string, Tensor]> {
    const copy = this.copies.entry(adapter);
    if (copy) for (const [k, t] of copy.stateDict()) yield [`modules_to_save.${adapter}.${k}`, k, t];
  }

  forward(...inputs: unknown[]): unknown {
    return this.current.forward(...inputs);
  }
}
