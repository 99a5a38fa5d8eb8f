import { dispose, type Tensor } from '@peftjs/core';
import { combineLoraAdapters, type LoraCombinationOptions } from '../merging/index.js';
import type { PeftModel } from '../peft-model.js';
import { adapterTensors, loadAdapterStateDict } from '../save/adapter-state.js';
import { LoraConfig } from './config.js';
import { LoraLayer } from './layer.js';

/**
 * PEFT's add_weighted_adapter: a new LoRA adapter `adapterName` combining `adapters` with
 * `weights` (see combineLora for each combination type). It gets r = lora_alpha = the new rank;
 * the sources stay. If anything fails, the model is left as it was.
 */
export async function addWeightedAdapter(
  peft: PeftModel,
  adapters: readonly string[],
  weights: readonly number[],
  adapterName: string,
  options: LoraCombinationOptions = {},
): Promise<void> {
  const op = 'addWeightedAdapter';
  if (peft.peftType !== 'LORA') throw new Error(`${op}: only LoRA adapters can be combined, this model has ${peft.peftType}`);
  if (adapters.length === 0 || adapters.length !== weights.length) {
    throw new RangeError(`${op}: give one weight per adapter (got ${adapters.length} adapters and ${weights.length} weights)`);
  }
  const configs = adapters.map((name) => {
    const c = peft.peftConfig[name];
    if (!c) throw new Error(`${op}: no adapter '${name}'; adapters: ${Object.keys(peft.peftConfig).join(', ')}`);
    return c as LoraConfig;
  });
  if (Object.hasOwn(peft.peftConfig, adapterName)) throw new Error(`${op}: an adapter named '${adapterName}' already exists`);
  for (const [i, c] of configs.entries()) {
    if (c.useDora) throw new Error(`${op}: adapter '${adapters[i]}' uses DoRA, whose magnitudes cannot be combined`);
    if (c.modulesToSave && c.modulesToSave.length > 0 && adapters.length > 1)
      throw new Error(`${op}: adapter '${adapters[i]}' has modulesToSave, which PEFT cannot combine either`);
  }
  // per-module scaling (rank and alpha patterns), read from the layers
  const layers = new Map<string, LoraLayer>();
  for (const [key, m] of peft.namedModules()) if (m instanceof LoraLayer) layers.set(key, m);
  const scalingOf = (adapter: string) => (module: string) => {
    const layer = layers.get(module);
    const s = layer?.scaling.get(adapter);
    if (s === undefined) throw new Error(`${op}: adapter '${adapter}' has no LoRA layer at ${module}`);
    return s;
  };
  const combined = await combineLoraAdapters(
    adapters.map((name, i) => ({ tensors: adapterTensors(peft, name), scaling: scalingOf(name), weight: weights[i]! })),
    options,
  );
  try {
    // PEFT's rule: a regex when every source has the same one, else the union of the names
    const first = configs[0]!.targetModules;
    const targetModules =
      typeof first === 'string' && configs.every((c) => c.targetModules === first)
        ? first
        : [...new Set(configs.flatMap((c) => (typeof c.targetModules === 'string' ? [c.targetModules] : (c.targetModules ?? []))))];
    const config = new LoraConfig({
      ...configs[0]!.values(),
      r: combined.rank,
      loraAlpha: combined.rank,
      useRslora: false,
      rankPattern: {},
      alphaPattern: {},
      targetModules,
      initLoraWeights: true,
    });
    peft.addAdapter(adapterName, config);
    try {
      // modules some sources lack get zeros; combined tensors cover the rest
      const state = new Map<string, Tensor>(combined.tensors);
      loadAdapterStateDict(peft, adapterName, fillMissing(peft, adapterName, state));
    } catch (err) {
      peft.deleteAdapter(adapterName);
      throw err;
    }
  } finally {
    dispose([...combined.tensors.values()]);
  }
}

/** The new adapter's own (zero-initialised B) tensors for modules the combination did not produce. */
function fillMissing(peft: PeftModel, adapterName: string, state: Map<string, Tensor>): Map<string, Tensor> {
  const own = adapterTensors(peft, adapterName);
  for (const [key, t] of own) if (!state.has(key)) state.set(key, t);
  return state;
}
