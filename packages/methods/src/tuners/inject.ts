import type { Module } from '@peftjs/core';
import { ModulesToSaveWrapper } from './modules-to-save.js';
import { isTargetModule } from './targets.js';
import { TunerLayer } from './tuner-layer.js';
import { checkAdapterSize } from './adapter-size.js';
import type { AdapterContext, LayerConfig, LayerMethod, WrapContext } from '../method/layer-method.js';

/** Module names of `model` outside any tuner layer or modules-to-save wrapper (their insides are not targets). */
export function candidateModules(model: Module): [string, Module][] {
  const wrappers: string[] = [];
  const out: [string, Module][] = [];
  for (const [key, m] of model.namedModules()) {
    if (key === '' || wrappers.some((w) => key.startsWith(`${w}.`))) continue;
    if (m instanceof TunerLayer || m instanceof ModulesToSaveWrapper) wrappers.push(key);
    out.push([key, m]);
  }
  return out;
}

/**
 * PEFT's inject_adapter: wraps every module the config targets (or adds the adapter to a wrapper
 * made before), then wraps the modules to save. Throws when nothing matches.
 */
export function injectAdapter<C extends LayerConfig>(method: LayerMethod<C>, context: AdapterContext<C>): void {
  const { tuner, config, adapterName, loading } = context;
  method.prepare?.(context);
  if (method.inject) {
    method.inject(context);
  } else {
    const keys = candidateModules(tuner.model)
      .filter(([key]) => isTargetModule(config, key))
      .map(([key]) => key);
    if (keys.length === 0) {
      const available = candidateModules(tuner.model).map(([k]) => k.split('.').pop()!);
      throw new Error(
        `getPeftModel: target modules ${JSON.stringify(config.targetModules)} not found in the base model ` +
          `(${config.peftType}, adapter '${adapterName}'); module names there end with: ${[...new Set(available)].slice(0, 30).join(', ')}`,
      );
    }
    const contexts = keys.map((key): WrapContext<C> => ({ adapterName, config, key, loading }));
    checkAdapterSize(
      method,
      contexts.map((c) => [tuner.model.getSubmodule(c.key), c]),
    );
    for (const wrapContext of contexts) {
      const { key } = wrapContext;
      const target = tuner.model.getSubmodule(key);
      const wrapped = method.wrapLayer(target, wrapContext);
      if (wrapped !== target) tuner.model.setSubmodule(key, wrapped);
    }
  }
  wrapModulesToSave(tuner.model, config.modulesToSave, adapterName);
}

function wrapModulesToSave(model: Module, names: readonly string[] | null, adapterName: string): void {
  if (!names || names.length === 0) return;
  const matched = candidateModules(model).filter(([key]) => names.some((n) => key === n || key.endsWith(`.${n}`)));
  if (matched.length === 0) throw new Error(`getPeftModel: modulesToSave ${JSON.stringify(names)} not found in the base model`);
  for (const [key, m] of matched) {
    if (m instanceof TunerLayer) throw new Error(`getPeftModel: module '${key}' is both a target and in modulesToSave`);
    const wrapper = m instanceof ModulesToSaveWrapper ? m : new ModulesToSaveWrapper(m);
    wrapper.addAdapter(adapterName);
    if (wrapper !== m) model.setSubmodule(key, wrapper);
  }
}
