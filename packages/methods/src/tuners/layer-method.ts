import type { LayerPeftMethod, Module, PeftConfig, Tensor, WrapContext } from '@peftjs/core';
import type { TargetFields } from './target-fields.js';
import type { TunerLayer } from './tuner-layer.js';
import type { TunerModel } from './tuner-model.js';

export type LayerConfig = PeftConfig & TargetFields;

/** What the PEFT model tells a method's hooks. */
export interface AdapterContext<C extends LayerConfig = LayerConfig> {
  readonly tuner: TunerModel;
  readonly config: C;
  readonly adapterName: string;
}

/**
 * A method that wraps layers, with the optional hooks some methods need. Most methods only give
 * `wrapLayer` (through `layerMethod`) and inherit the rest.
 */
export interface LayerMethod<C extends LayerConfig = LayerConfig> extends LayerPeftMethod<C> {
  /** Whether `module` is this method's layer (a second adapter is then added to it). */
  isLayer(module: Module): module is TunerLayer<C>;
  /** Runs before any layer is wrapped (VeRA makes its shared projections here). */
  prepare?(context: AdapterContext<C>): void;
  /** Replaces the standard injection (wrap each target module) when the method attaches differently. */
  inject?(context: AdapterContext<C>): void;
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
      layer.updateLayer(context);
      return layer;
    },
  };
}
