import { formatShape, noGrad, shapesEqual, type Tensor } from '@peftjs/core';
import type { AdapterContext, LayerMethod } from '../method/layer-method.js';
import { ModulesToSaveWrapper } from '../tuners/modules-to-save.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import { TunerModel } from '../tuners/tuner-model.js';

/**
 * A layer adapter's tensors by their names in adapter_model.safetensors, each the live tensor in
 * the model: PEFT's rule is the in-memory name with the adapter segment removed
 * (`base_model.model.q_proj.lora_A.default.weight` → `base_model.model.q_proj.lora_A.weight`).
 * Loading applies the same rule to the model's names, so both directions agree by construction.
 */
export function layerAdapterTensors(tuner: TunerModel, method: LayerMethod, context: AdapterContext): Map<string, Tensor> {
  const { adapterName } = context;
  const out = new Map<string, Tensor>();
  for (const [key, m] of tuner.namedModules()) {
    const entries =
      m instanceof TunerLayer || m instanceof ModulesToSaveWrapper
        ? m.adapterTensors(adapterName)
        : m instanceof TunerModel
          ? m.sharedTensors(adapterName)
          : null;
    if (!entries) continue;
    const prefix = key === '' ? 'base_model' : `base_model.${key}`;
    for (const [, disk, t] of entries) out.set(`${prefix}.${disk}`, t);
  }
  for (const [name, t] of method.extraTensors?.(context) ?? []) out.set(`base_model.${name}`, t);
  return out;
}

/** What is written to adapter_model.safetensors (after the method's toSaved, e.g. AdaLoRA's rank cut). */
export function layerStateDict(tuner: TunerModel, method: LayerMethod, context: AdapterContext): Map<string, Tensor> {
  const state = layerAdapterTensors(tuner, method, context);
  return method.toSaved ? method.toSaved(state, context) : state;
}

/**
 * Loads saved tensors into a layer adapter (PEFT's set_peft_model_state_dict). Every key and
 * shape is checked before anything is written: a file with missing, unexpected or misshapen
 * tensors leaves the model as it was.
 */
export function loadLayerStateDict(
  tuner: TunerModel,
  method: LayerMethod,
  context: AdapterContext,
  saved: ReadonlyMap<string, Tensor>,
): void {
  const { adapterName } = context;
  const state = method.fromSaved ? method.fromSaved(new Map(saved), context) : saved;
  const targets = layerAdapterTensors(tuner, method, context);
  try {
    const missing = [...targets.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !targets.has(k));
    if (missing.length > 0 || unexpected.length > 0) {
      throw new Error(
        `loadAdapter: adapter '${adapterName}' (${method.peftType}) does not fit this model: ` +
          `missing keys [${missing.join(', ')}]; unexpected keys [${unexpected.join(', ')}]`,
      );
    }
    for (const [key, target] of targets) {
      const value = state.get(key)!;
      const float = (d: string) => d === 'float32' || d === 'float64';
      if (float(target.dtype) && !float(value.dtype)) {
        throw new TypeError(
          `loadAdapter: ${key} holds ${value.dtype} values in the file; the model's tensor is ${target.dtype}, and integer or bool tensors are not cast to it`,
        );
      }
      if (!shapesEqual(value.shape, target.shape)) {
        throw new RangeError(
          `loadAdapter: ${key} has shape ${formatShape(value.shape)} in the file, the model expects ${formatShape(target.shape)}`,
        );
      }
    }
    noGrad(() => {
      for (const [key, target] of targets) {
        const value = state.get(key)!;
        const converted = value.cast(target.dtype);
        target.assign(converted);
        if (converted !== value) converted.dispose();
      }
    });
  } finally {
    // tensors that fromSaved made (neither the caller's nor the model's) are freed here
    for (const [key, t] of state) if (saved.get(key) !== t && targets.get(key) !== t) t.dispose();
  }
  method.afterLoad?.(context);
}
