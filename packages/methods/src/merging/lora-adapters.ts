import { concat, dispose, formatShape, noGrad, tidy, zeros, type Tensor } from '@peftjs/core';
import {
  combineLora,
  type CombinedLora,
  type LoraCombinationOptions,
  type LoraCombinationType,
  type LoraPiece,
} from './lora-combination.js';
import { assertFiniteNumber } from './validate.js';

/** One source adapter: its tensors under PEFT's saved-file keys, its scaling and its weight. */
export interface LoraAdapterInput {
  /** `<module>.lora_A.weight` / `<module>.lora_B.weight` (or `lora_embedding_A` / `lora_embedding_B`). */
  tensors: ReadonlyMap<string, Tensor>;
  /** α/r (α/√r with rsLoRA); a function for per-module values (alpha_pattern, rank_pattern). */
  scaling: number | ((module: string) => number);
  weight: number;
}

export interface CombinedLoraAdapter {
  /** The new adapter's tensors, keyed like the inputs. Save it with r = lora_alpha = rank. */
  tensors: Map<string, Tensor>;
  rank: number;
  combinationType: LoraCombinationType;
}

const FN = 'combineLoraAdapters';
const A_KEY = /^(.*)\.lora_(embedding_)?A(\.weight)?$/;

/**
 * PEFT's add_weighted_adapter over whole adapters: every module is combined with combineLora from
 * the adapters that have it (as PEFT skips an adapter missing a module). The new rank follows PEFT:
 * the common rank for linear, ties, dare and magnitude_prune, the sum of the ranks for cat, svdRank
 * or the largest rank for the svd types; modules whose combination is smaller are padded with zeros.
 */
export async function combineLoraAdapters(
  adapters: readonly LoraAdapterInput[],
  options: LoraCombinationOptions = {},
): Promise<CombinedLoraAdapter> {
  if (!Array.isArray(adapters) || adapters.length === 0) throw new RangeError(`${FN}: give at least one adapter`);
  adapters.forEach((a, i) => {
    if (!(a?.tensors instanceof Map)) throw new TypeError(`${FN}: adapters[${i}].tensors must be a Map of tensors`);
    assertFiniteNumber(FN, `adapters[${i}].weight`, a.weight);
  });
  const modules = new Map<string, { aKey: string; bKey: string }>();
  const adapterRanks = adapters.map((adapter, i) => {
    let rank = 0;
    for (const [key, t] of adapter.tensors) {
      const match = A_KEY.exec(key);
      if (!match) {
        if (!/\.lora_(embedding_)?B(\.weight)?$/.test(key)) {
          throw new RangeError(
            `${FN}: adapters[${i}] has ${key}; only LoRA A and B factors can be combined (no DoRA magnitudes, biases or modules_to_save)`,
          );
        }
        continue;
      }
      const bKey = `${match[1]}.lora_${match[2] ?? ''}B${match[3] ?? ''}`;
      if (!adapter.tensors.has(bKey)) throw new RangeError(`${FN}: adapters[${i}] has ${key} but no ${bKey}`);
      if (!modules.has(match[1])) modules.set(match[1], { aKey: key, bKey });
      rank = Math.max(rank, t.shape[0]);
    }
    return rank;
  });
  if (modules.size === 0) throw new RangeError(`${FN}: the adapters hold no LoRA factors (keys ending in lora_A.weight)`);

  const type = adapters.length === 1 ? 'linear' : (options.combinationType ?? 'svd');
  let rank: number;
  if (type === 'cat') rank = adapterRanks.reduce((a, b) => a + b, 0);
  else if (type.endsWith('svd')) rank = options.svdRank ?? Math.max(...adapterRanks);
  else {
    if (new Set(adapterRanks).size !== 1)
      throw new RangeError(`${FN}: ${type} needs adapters of equal rank, got [${adapterRanks.join(', ')}]; use cat or an svd type`);
    rank = adapterRanks[0];
  }

  const out = new Map<string, Tensor>();
  try {
    for (const [module, { aKey, bKey }] of modules) {
      const pieces: LoraPiece[] = [];
      for (const [i, adapter] of adapters.entries()) {
        const A = adapter.tensors.get(aKey);
        const B = adapter.tensors.get(bKey);
        if (!A || !B) continue;
        const scaling = typeof adapter.scaling === 'function' ? adapter.scaling(module) : adapter.scaling;
        assertFiniteNumber(FN, `adapters[${i}].scaling for ${module}`, scaling);
        pieces.push({ A, B, scaling, weight: adapter.weight });
      }
      const combined = await combineLora(pieces, {
        ...options,
        combinationType: type,
        svdRank: type.endsWith('svd') ? rank : options.svdRank,
      });
      const padded = padToRank(combined, rank, module);
      out.set(aKey, padded.A);
      out.set(bKey, padded.B);
    }
  } catch (e) {
    dispose([...out.values()]);
    throw e;
  }
  return { tensors: out, rank, combinationType: type };
}

/** Zero rows of A and zero columns of B up to `rank` (the product is unchanged); takes ownership. */
function padToRank(c: CombinedLora, rank: number, module: string): { A: Tensor; B: Tensor } {
  if (c.rank === rank) return c;
  if (c.rank > rank)
    throw new RangeError(`${FN}: ${module} combined to rank ${c.rank}, above the adapter rank ${rank} (A ${formatShape(c.A.shape)})`);
  const padded = noGrad(() =>
    tidy(() => ({
      A: concat([c.A, zeros([rank - c.rank, ...c.A.shape.slice(1)], c.A.dtype)], 0),
      B: concat([c.B, zeros([c.B.shape[0], rank - c.rank, ...c.B.shape.slice(2)], c.B.dtype)], 1),
    })),
  );
  dispose([c.A, c.B]);
  return padded;
}
