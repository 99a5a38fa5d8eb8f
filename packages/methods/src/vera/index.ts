import type { Module, Tensor } from '@peftjs/core';
import { BufferDict } from '../tuners/adapter-dict.js';
import { requireBaseLayer } from '../tuners/base-weights.js';
import { targetedLayers } from '../tuners/targeted-layers.js';
import type { TunerModel } from '../tuners/tuner-model.js';
import { VeraConfig } from './config.js';
import { VeraLayer } from './layer.js';
import { veraProjections } from './projections.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

const SHARED = { a: 'vera_A', b: 'vera_B' } as const;

function sharedDicts(tuner: TunerModel): { a: BufferDict; b: BufferDict } {
  return { a: tuner.shared(SHARED.a, () => new BufferDict()), b: tuner.shared(SHARED.b, () => new BufferDict()) };
}

/** PEFT's _find_dim: the largest [out, in] over the Linear and Conv1D modules the config targets. */
function largestShape(model: Module, config: VeraConfig): { out: number; in: number; dtype: 'float32' | 'float64' } {
  let found: { out: number; in: number; dtype: 'float32' | 'float64' } | null = null;
  for (const [, info] of targetedLayers(model, config)) {
    if (info.kind !== 'linear') continue;
    const dtype = info.dtype;
    found = found
      ? { out: Math.max(found.out, info.outFeatures), in: Math.max(found.in, info.inFeatures), dtype: found.dtype }
      : { out: info.outFeatures, in: info.inFeatures, dtype };
  }
  if (!found) throw new Error(`VeRA: no Linear or Conv1D module matches targetModules ${JSON.stringify(config.targetModules)}`);
  return found;
}

/** The seed and save flag of each adapter of a tuner (all adapters must agree, as in PEFT). */
const settings = new WeakMap<TunerModel, Map<string, { seed: number; save: boolean }>>();

/** The projections of the tuner being injected: prepare runs right before its layers are wrapped. */
let injecting: { a: BufferDict; b: BufferDict } | null = null;

/** VeRA: trained scaling vectors around frozen random projections shared by all layers; mergeable. */
export const vera = layerMethod<VeraConfig>({
  peftType: 'VERA',
  configClass: VeraConfig,
  prefix: 'vera_lambda_',
  layerClass: VeraLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'VeRA', key);
    if (!injecting) throw new Error(`VeRA: module '${key}' is wrapped before the shared projections were made`);
    return new VeraLayer(target, injecting);
  },
  /** PEFT's _pre_injection_hook: makes this adapter's vera_A / vera_B from the seed. */
  prepare({ tuner, config, adapterName }) {
    const known = settings.get(tuner) ?? new Map<string, { seed: number; save: boolean }>();
    for (const [other, s] of known) {
      if (other === adapterName) continue;
      if (s.seed !== config.projectionPrngKey)
        throw new Error(
          `VeRA: projectionPrngKey must be the same for all adapters; adapter '${other}' has ${s.seed}, '${adapterName}' has ${config.projectionPrngKey}`,
        );
      if (s.save !== config.saveProjection)
        throw new Error(
          `VeRA: saveProjection must be the same for all adapters; adapter '${other}' has ${s.save}, '${adapterName}' has ${config.saveProjection}`,
        );
    }
    const shape = largestShape(tuner.model, config);
    const { a, b } = veraProjections(config.projectionPrngKey, config.r, shape.in, shape.out, shape.dtype);
    const dicts = sharedDicts(tuner);
    dicts.a.set(adapterName, a);
    dicts.b.set(adapterName, b);
    injecting = dicts;
    known.set(adapterName, { seed: config.projectionPrngKey, save: config.saveProjection });
    settings.set(tuner, known);
  },
  /** Without saveProjection the projections stay out of the file (they are made again from the seed). */
  toSaved(state, { config }) {
    if (config.saveProjection) return state;
    return new Map([...state].filter(([k]) => k !== `base_model.${SHARED.a}` && k !== `base_model.${SHARED.b}`));
  },
  fromSaved(state, { tuner, config, adapterName }) {
    if (state.has(`base_model.${SHARED.a}`) && state.has(`base_model.${SHARED.b}`)) return state;
    if (config.saveProjection)
      throw new Error(`VeRA: adapter '${adapterName}' was saved with save_projection but its file lacks ${SHARED.a} and ${SHARED.b}`);
    const a = sharedDicts(tuner).a.at(adapterName);
    const b = sharedDicts(tuner).b.at(adapterName);
    const made = veraProjections(
      config.projectionPrngKey,
      config.r,
      a.shape[1]!,
      b.shape[0]!,
      a.dtype === 'float64' ? 'float64' : 'float32',
    );
    return new Map<string, Tensor>([...state, [`base_model.${SHARED.a}`, made.a], [`base_model.${SHARED.b}`, made.b]]);
  },
  deleteAdapter({ tuner, adapterName }) {
    const dicts = sharedDicts(tuner);
    if (dicts.a.entry(adapterName)) dicts.a.delete(adapterName);
    if (dicts.b.entry(adapterName)) dicts.b.delete(adapterName);
    settings.get(tuner)?.delete(adapterName);
  },
});
registerPeftMethod(vera);

export { VeraConfig, type VeraConfigFields } from './config.js';
export { VeraLayer } from './layer.js';
export { veraProjections } from './projections.js';
