import { add, formatShape, indexSelect, mul, tensor, type Tensor } from '@peftjs/core';
import { trainableBiases } from '../tuners/trainable-bias.js';
import { requireBaseLayer } from '../tuners/base-weights.js';
import { AdaLoraConfig } from './config.js';
import { AdaLoraLayer } from './layer.js';
import { orthogonalRegularization } from './orthogonal-regularization.js';
import { releaseRankAllocator } from './rank-allocator.js';
import { registerPeftMethod } from '../method/registry.js';
import { type AdapterContext, layerMethod } from '../method/layer-method.js';

/** The module name of a rank-pattern key: `q_proj.lora_E` or `q_proj.lora_E.<adapter>` → `q_proj`. */
function patternModule(key: string, adapter: string): string {
  const bare = key.endsWith(`.${adapter}`) ? key.slice(0, -adapter.length - 1) : key;
  return bare.replace(/\.lora_E$/, '');
}

function adaLoraLayers({ tuner, adapterName }: AdapterContext<AdaLoraConfig>): Map<string, AdaLoraLayer> {
  const out = new Map<string, AdaLoraLayer>();
  for (const [key, m] of tuner.model.namedModules()) if (m instanceof AdaLoraLayer && m.hasAdapter(adapterName)) out.set(key, m);
  return out;
}

/** Rows (axis 0) or columns (axis 1) of `t` where `keep` is true. */
function keepIndices(t: Tensor, axis: number, keep: readonly boolean[]): Tensor {
  const index = tensor(
    keep.flatMap((k, i) => (k ? [i] : [])),
    { dtype: 'int32' },
  );
  const out = indexSelect(t, axis, index);
  index.dispose();
  return out;
}

/** A model output whose `loss` is a tensor (an output computed with labels). */
function hasTensorLoss(output: unknown): output is { loss: Tensor } {
  if (output === null || typeof output !== 'object' || !('loss' in output)) return false;
  const { loss } = output;
  return typeof loss === 'object' && loss !== null && 'backward' in loss && typeof loss.backward === 'function';
}

/**
 * AdaLoRA (Zhang et al., 2023): LoRA in SVD form with a learned rank per module. Train with
 * `updateAndAllocate(peft, step)` after each backward pass; a HF model's loss gets the orthogonal
 * regularisation from the PEFT model's forward.
 */
export const adalora = layerMethod<AdaLoraConfig>({
  peftType: 'ADALORA',
  configClass: AdaLoraConfig,
  prefix: 'lora_',
  layerClass: AdaLoraLayer,
  createLayer(target, { key }) {
    requireBaseLayer(target, 'AdaLoRA', key);
    return new AdaLoraLayer(target);
  },
  prepare({ tuner, config, adapterName }) {
    if (config.inferenceMode) return;
    for (const [, m] of tuner.model.namedModules()) {
      if (!(m instanceof AdaLoraLayer)) continue;
      for (const other of m.adapterNames()) {
        if (other !== adapterName && !m.config(other).inferenceMode) {
          throw new Error(
            `AdaLoRA supports only one trainable adapter ('${other}' trains already); add '${adapterName}' with inferenceMode: true`,
          );
        }
      }
    }
  },
  extraTensors: trainableBiases,
  /** PEFT's resize_state_dict_by_rank_pattern: each module's A rows, E rows and B columns cut to the kept triplets. */
  toSaved(state, context) {
    const pattern = context.config.rankPattern;
    if (!pattern) return state;
    const out = new Map(state);
    const made: Tensor[] = [];
    for (const [key, keep] of Object.entries(pattern)) {
      const module = patternModule(key, context.adapterName);
      const rank = keep.filter(Boolean).length;
      for (const [part, axis] of [
        ['lora_A', 0],
        ['lora_E', 0],
        ['lora_B', 1],
      ] as const) {
        const name = `base_model.model.${module}.${part}`;
        const t = state.get(name);
        if (!t) throw new RangeError(`saveAdapter: the rank pattern names ${key}, but the adapter has no ${name}`);
        if (t.shape[axis] === rank) continue;
        if (t.shape[axis] !== keep.length)
          throw new RangeError(`saveAdapter: ${name} is ${formatShape(t.shape)}, the rank pattern for ${key} has ${keep.length} entries`);
        const cut = keepIndices(t, axis, keep);
        made.push(cut);
        out.set(name, cut);
      }
    }
    return out;
  },
  /** PEFT's resize_modules_by_rank_pattern before loading: the model's modules take the saved ranks. */
  fromSaved(state, context) {
    const pattern = context.config.rankPattern;
    if (!pattern) return state;
    const layers = adaLoraLayers(context);
    const plans: [AdaLoraLayer, boolean[]][] = [];
    for (const [key, keep] of Object.entries(pattern)) {
      const module = patternModule(key, context.adapterName);
      const layer = layers.get(module);
      if (!layer) throw new RangeError(`loadAdapter: the rank pattern names ${key}, but the model has no AdaLoRA layer ${module}`);
      const rank = layer.rank(context.adapterName);
      if (rank !== keep.length && rank !== keep.filter(Boolean).length) {
        throw new RangeError(`loadAdapter: the rank pattern for ${key} has ${keep.length} entries, the layer has rank ${rank}`);
      }
      if (rank === keep.length) plans.push([layer, keep]);
    }
    for (const [layer, keep] of plans) layer.resize(context.adapterName, keep);
    return state;
  },
  afterForward(output, { tuner, config, adapterName }) {
    if (config.inferenceMode || config.orthRegWeight === 0) return output;
    if (!hasTensorLoss(output)) return output;
    const reg = orthogonalRegularization(tuner, adapterName);
    if (!reg) return output;
    const weighted = mul(reg, config.orthRegWeight);
    const total = add(output.loss, weighted);
    weighted.dispose();
    reg.dispose();
    output.loss.dispose();
    return { ...output, loss: total };
  },
  deleteAdapter({ tuner, adapterName }) {
    releaseRankAllocator(tuner, adapterName);
  },
});
registerPeftMethod(adalora);

export { AdaLoraConfig, ADALORA_FIELDS, type AdaLoraConfigFields, type RankPattern } from './config.js';
export { AdaLoraLayer } from './layer.js';
export { RankAllocator, getRankAllocator, updateAndAllocate, type AllocationResult, type BudgetStep } from './rank-allocator.js';
export { orthogonalRegularization } from './orthogonal-regularization.js';
