import { parameter, rand, type Tensor } from '@peftjs/core';
import { ParameterDict } from '../tuners/adapter-dict.js';
import { requireBaseLayer } from '../tuners/base-weights.js';
import { targetedLayers } from '../tuners/targeted-layers.js';
import type { TunerModel } from '../tuners/tuner-model.js';
import { VBLoRAConfig } from './config.js';
import { VBLoRALayer } from './layer.js';
import { logitsFromTopk, topkWeights } from './topk-mix.js';
import { registerPeftMethod } from '../method/registry.js';
import { layerMethod } from '../method/layer-method.js';

const BANK = 'vblora_vector_bank';
const bankDict = (tuner: TunerModel) => tuner.shared(BANK, () => new ParameterDict());

/** The bank of the tuner being injected: prepare runs right before its layers are wrapped. */
let injecting: ParameterDict | null = null;

const isLogits = (key: string) => /\.vblora_logits_[AB]$/.test(key);

/** VB-LoRA: LoRA factors composed from a shared vector bank by top-k mixing; mergeable. */
export const vblora = layerMethod<VBLoRAConfig>({
  peftType: 'VBLORA',
  configClass: VBLoRAConfig,
  prefix: 'vblora_',
  layerClass: VBLoRALayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'VB-LoRA', key);
    if (!injecting) throw new Error(`VB-LoRA: module '${key}' is wrapped before the vector bank was made`);
    return new VBLoRALayer(target, injecting);
  },
  /** The adapter's bank [num_vectors, vector_length], uniform in ±init_vector_bank_bound. */
  prepare({ tuner, config, adapterName }) {
    const first = targetedLayers(tuner.model, config).next().value;
    const dtype = first ? first[1].dtype : 'float32';
    const bound = config.initVectorBankBound;
    const bank = bankDict(tuner);
    bank.set(adapterName, parameter(rand([config.numVectors, config.vectorLength], { low: -bound, high: bound, dtype })));
    injecting = bank;
  },
  /** save_only_topk_weights: each logits tensor becomes `<name>_topk_indices` and `<name>_topk_weights`, as PEFT saves them. */
  toSaved(state, { config }) {
    if (!config.saveOnlyTopkWeights) return state;
    const out = new Map<string, Tensor>();
    for (const [key, t] of state) {
      if (!isLogits(key)) {
        out.set(key, t);
        continue;
      }
      const { indices, weights } = topkWeights(t, config.topk);
      out.set(`${key}_topk_indices`, indices);
      out.set(`${key}_topk_weights`, weights);
    }
    return out;
  },
  /** Top-k files load as logits that are log-weights at the indices and −∞ elsewhere (PEFT's load). */
  fromSaved(state, { tuner, config, adapterName }) {
    const bank = bankDict(tuner).at(adapterName);
    const dtype = bank.dtype === 'float64' ? 'float64' : 'float32';
    const out = new Map<string, Tensor>();
    for (const [key, t] of state) {
      const base = key.endsWith('_topk_indices') ? key.slice(0, -'_topk_indices'.length) : null;
      if (key.endsWith('_topk_weights') && state.has(`${key.slice(0, -'_topk_weights'.length)}_topk_indices`)) continue;
      if (base === null) {
        out.set(key, t);
        continue;
      }
      const weights = state.get(`${base}_topk_weights`);
      if (!weights) throw new Error(`loadAdapter: ${key} has no matching ${base}_topk_weights`);
      out.set(base, logitsFromTopk(t, weights, config.numVectors, dtype));
    }
    return out;
  },
  deleteAdapter({ tuner, adapterName }) {
    const bank = bankDict(tuner);
    if (bank.entry(adapterName)) bank.delete(adapterName);
  },
});
registerPeftMethod(vblora);

export { VBLoRAConfig, type VBLoRAConfigFields } from './config.js';
export { VBLoRALayer } from './layer.js';
export { topkMix, topkWeights, logitsFromTopk } from './topk-mix.js';
