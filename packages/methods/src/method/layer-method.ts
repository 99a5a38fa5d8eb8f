import type { Module, Tensor } from '@peftjs/core';
import type { TargetFields } from '../tuners/target-fields.js';
import type { TunerLayer } from '../tuners/tuner-layer.js';
import type { TunerModel } from '../tuners/tuner-model.js';
import type { PeftConfig } from './peft-config.js';
import type { MethodBase } from './peft-method.js';

export type LayerConfig = PeftConfig & TargetFields;

/** What the PEFT model tells a method's hooks. */
export interface AdapterContext<C extends LayerConfig = LayerConfig> {
  readonly tuner: TunerModel;
  readonly config: C;
  readonly adapterName: string;
  /**
   * The adapter's tensors come from a file right after injection (PEFT's from_pretrained and
   * load_adapter): initialisations whose values the file replaces may be skipped, and those that
   * change the base weights (PiSSA, OLoRA) wait for `afterLoad`, so a file that does not fit
   * leaves the model as it was.
   */
  readonly loading?: boolean;
}

/** What a layer method learns about the module it wraps (a layer's updateLayer receives it). */
export interface WrapContext<C extends PeftConfig = PeftConfig> {
  readonly adapterName: string;
  readonly config: C;
  /** The module's dotted name in the model (`model.layers.0.self_attn.q_proj`). */
  readonly key: string;
  /** The adapter's tensors come from a file next (see AdapterContext.loading). */
  readonly loading?: boolean;
}

/**
 * A method that wraps layers, with the optional hooks some methods need. Most methods only give
 * `wrapLayer` (through `layerMethod`) and inherit the rest.
 */
export interface LayerMethod<C extends LayerConfig = LayerConfig> extends MethodBase<C> {
  readonly kind: 'layer';
  /** Wraps `target`, or adds `context.adapterName` to it when it is already this method's wrapper. */
  wrapLayer(target: Module, context: WrapContext<C>): Module;
  /** Whether `module` is this method's layer (a second adapter is then added to it). */
  isLayer(module: Module): module is TunerLayer<C>;
  /** Runs before any layer is wrapped (VeRA makes its shared projections here). */
  prepare?(context: AdapterContext<C>): void;
  /** Replaces the standard injection (wrap each target module) when the method attaches differently. */
  inject?(context: AdapterContext<C>): void;
  /**
   * The tensors the adapter would add to `target` (elements by a label naming the tensor and its
   * shape), asked of every target before any is wrapped so sizes past the backend's buffers or the
   * parameter budget are refused before anything is allocated. Null when the target is not one
   * this method wraps (wrapLayer then says why).
   */
  adapterSize?(target: Module, context: WrapContext<C>): Record<string, number> | null;
  /** Tensors outside adapter dicts that train and are saved with the adapter (LoRA's bias='all'), by name in the tuner. */
  extraTensors?(context: AdapterContext<C>): Iterable<[string, Tensor]>;
  /** Turns the adapter's tensors (by on-disk name) into what is written to the file (AdaLoRA cuts ranks). */
  toSaved?(state: Map<string, Tensor>, context: AdapterContext<C>): Map<string, Tensor>;
  /** The inverse of toSaved, applied to a file's tensors before they are loaded. */
  fromSaved?(state: Map<string, Tensor>, context: AdapterContext<C>): Map<string, Tensor>;
  /** Runs after an adapter's tensors were loaded from a file. */
  afterLoad?(context: AdapterContext<C>): void;
  /** Runs when an adapter is deleted (shared state the method made in prepare). */
  deleteAdapter?(context: AdapterContext<C>): void;
  /** Switches an active adapter off and on (disableAdapter) when the method's modules are not tuner layers (adaption prompts). */
  setDisabled?(context: AdapterContext<C>, disabled: boolean): void;
  /**
   * Changes the model's output of a PEFT forward with `context`'s adapter active (AdaLoRA adds
   * its orthogonal regularisation to an output's `loss`).
   */
  afterForward?(output: unknown, context: AdapterContext<C>): unknown;
  /**
   * PEFT's subtract_mutated_init: an adapter whose init changed the base (PiSSA, OLoRA) as a plain
   * adapter of the original base, from its saved tensors and those saved right after its
   * initialisation. `made` lists the new tensors (the caller disposes them).
   */
  convertMutatedInit?(
    state: ReadonlyMap<string, Tensor>,
    initial: ReadonlyMap<string, Tensor>,
    config: C,
  ): { state: Map<string, Tensor>; config: C; made: Tensor[] };
}

/**
 * A layer method from its layer class: `wrapLayer` makes a `Layer` around the target, or adds the
 * adapter to the target when it is already one.
 */
export function layerMethod<C extends LayerConfig>(
  spec: Omit<LayerMethod<C>, 'kind' | 'wrapLayer' | 'isLayer'> & {
    layerClass: abstract new (...args: never[]) => TunerLayer<C>;
    createLayer: (target: Module, context: WrapContext<C>) => TunerLayer<C>;
  },
): LayerMethod<C> {
  const { layerClass, createLayer, ...rest } = spec;
  const isLayer = (m: Module): m is TunerLayer<C> => m instanceof layerClass;
  return {
    ...rest,
    kind: 'layer',
    isLayer,
    wrapLayer(target, context) {
      if (isLayer(target)) {
        target.updateLayer(context);
        return target;
      }
      const layer = createLayer(target, context);
      try {
        layer.updateLayer(context);
      } catch (err) {
        // the new wrapper never enters the model: free what it made, keep the base layer
        layer.disposeAdapters();
        throw err;
      }
      return layer;
    },
  };
}
