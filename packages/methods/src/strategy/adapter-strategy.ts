import type { Module, Tensor } from '@peftjs/core';
import type { PeftConfig } from '../method/peft-config.js';
import type { PeftMethod } from '../method/peft-method.js';
import type { TunerLayer } from '../tuners/tuner-layer.js';

export interface AddAdapterOptions {
  /**
   * The adapter's tensors are loaded from a file next (PEFT's from_pretrained / load_adapter):
   * initialisations that change the base weights (PiSSA, OLoRA) wait until the file is loaded.
   */
  loading?: boolean;
}

/**
 * What a PeftModel does differently for each kind of method (layer methods wrap target modules in
 * a tuner model, prompt methods keep one encoder per adapter): the PeftModel keeps the adapters'
 * names and which are active, and asks its strategy for the rest.
 */
export interface AdapterStrategy {
  readonly method: PeftMethod;
  /** The PeftModel's children, registered in this order: `base_model` (and `prompt_encoder`). */
  readonly children: readonly (readonly [string, Module])[];
  /** The tuner model (layer methods) or the user's model (prompt methods). */
  readonly baseModel: Module;
  /** The config of every adapter, by name (no prototype: an adapter named "toString" is an ordinary key). */
  readonly configs: Record<string, PeftConfig>;
  /** Adds an adapter and its config; if anything fails, the model is left as it was. */
  addAdapter(adapterName: string, config: PeftConfig, options: AddAdapterOptions): void;
  /** Removes an adapter, its tensors and its config. */
  removeAdapter(adapterName: string): void;
  /** Throws when the method cannot run `names` together. */
  checkActive(names: readonly string[]): void;
  /** Sets which adapters' tensors train (everything else was frozen before). */
  applyActive(active: readonly string[], trainable: boolean): void;
  setDisabled(active: readonly string[], disabled: boolean): void;
  /** Throws when the method's adapters cannot be merged into the weights. */
  assertMergeable(op: string): void;
  /** Tuner layers by name in the PeftModel (none for prompt methods). */
  tunerLayers(): [string, TunerLayer][];
  /** Gives the user's model back its own modules (PEFT's unload, after any merge). */
  unload(): void;
  /** The PEFT forward with `activeAdapter` (or with every adapter off when `disabled`). */
  forward(inputs: unknown[], activeAdapter: string, disabled: boolean): unknown;
  /** The forward with adapter `adapterNames[i]` on batch row i. */
  forwardPerRow(adapterNames: readonly string[], inputs: unknown[], training: boolean): unknown;
  /** The adapter's live tensors by their names in adapter_model.safetensors. */
  adapterTensors(adapterName: string): Map<string, Tensor>;
  /** What is written to adapter_model.safetensors. */
  adapterStateDict(adapterName: string): Map<string, Tensor>;
  /** Loads saved tensors; checks every key and shape before anything is written. */
  loadAdapterStateDict(adapterName: string, saved: ReadonlyMap<string, Tensor>): void;
  /**
   * PEFT's subtract_mutated_init (PiSSA, OLoRA saved as plain LoRA of the original base); null when
   * the method has no such conversion. `made` lists the new tensors (the caller disposes them).
   */
  convertMutatedInit(
    adapterName: string,
    state: ReadonlyMap<string, Tensor>,
    initial: ReadonlyMap<string, Tensor>,
  ): { state: Map<string, Tensor>; config: PeftConfig; made: Tensor[] } | null;
}
