import { abs, add, keep, mean, mul, noGrad, reshape, sub, type Tensor, tensor, tidy } from '@peftjs/core';
import type { PeftModel } from '../peft-model.js';
import type { TunerModel } from '../tuners/tuner-model.js';
import type { AdaLoraConfig, RankPattern } from './config.js';
import { AdaLoraLayer } from './layer.js';

/** The budget at a step and whether the E entries are masked to it then. */
export interface BudgetStep {
  budget: number;
  maskInd: boolean;
}

export interface AllocationResult {
  budget: number;
  /** The triplets kept per module, when this step masked (null otherwise). */
  rankPattern: RankPattern | null;
}

type Part = 'lora_A' | 'lora_B' | 'lora_E';
const PARTS: readonly Part[] = ['lora_A', 'lora_B', 'lora_E'];

/**
 * PEFT's RankAllocator (AdaLoRA, Zhang et al., 2023). After each backward pass it smooths the
 * importance |θ·∇θ| of every entry of A, E and B (EMA with β1) and its uncertainty |I − Ī| (EMA
 * with β2); a triplet's score is its E entry's Ī·Ū plus the mean of its A row's and B column's.
 * The total rank budget falls from init_r per module to target_r per module with a cubic
 * schedule between tinit and total_step − tfinal, and every deltaT steps the E entries of the
 * lowest-scoring triplets are set to zero until the kept ones fit the budget.
 */
export class RankAllocator {
  /** Σ over modules of the starting rank. */
  readonly initBudget: number;
  /** target_r × the number of modules. */
  readonly targetBudget: number;
  private readonly ipt = new Map<string, Tensor>();
  private readonly expAvgIpt = new Map<string, Tensor>();
  private readonly expAvgUnc = new Map<string, Tensor>();

  constructor(
    readonly tuner: TunerModel,
    readonly adapterName: string,
    private readonly getConfig: () => AdaLoraConfig,
  ) {
    const layers = this.layers();
    if (layers.length === 0) throw new Error(`RankAllocator: the model has no AdaLoRA layer with adapter '${adapterName}'`);
    this.initBudget = layers.reduce((n, [, l]) => n + l.rank(adapterName), 0);
    this.targetBudget = getConfig().targetR * layers.length;
  }

  get config(): AdaLoraConfig {
    return this.getConfig();
  }

  /** The adapter's layers by their names in the user's model (`q_proj`, `model.layers.0.mlp.up_proj`), sorted. */
  layers(): [string, AdaLoraLayer][] {
    const out: [string, AdaLoraLayer][] = [];
    for (const [key, m] of this.tuner.model.namedModules())
      if (m instanceof AdaLoraLayer && m.hasAdapter(this.adapterName)) out.push([key, m]);
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private tensorOf(layer: AdaLoraLayer, part: Part): Tensor {
    const dict = part === 'lora_A' ? layer.loraA : part === 'lora_B' ? layer.loraB : layer.loraE;
    return dict.at(this.adapterName);
  }

  /** PEFT's budget_schedule: the budget at `step` and whether to mask then. */
  budgetSchedule(step: number): BudgetStep {
    const { tinit, tfinal, totalStep, deltaT } = this.config;
    const total = totalStep!;
    if (step <= tinit) return { budget: this.initBudget, maskInd: false };
    if (step > total - tfinal) return { budget: this.targetBudget, maskInd: true };
    const mulCoeff = 1 - (step - tinit) / (total - tfinal - tinit);
    const budget = Math.trunc((this.initBudget - this.targetBudget) * mulCoeff ** 3 + this.targetBudget);
    return { budget, maskInd: step % deltaT === 0 };
  }

  private setState(map: Map<string, Tensor>, key: string, value: Tensor): void {
    map.get(key)?.dispose();
    map.set(key, keep(value));
  }

  /** PEFT's update_ipt: the smoothed importance and uncertainty of every entry, from the current gradients. */
  updateIpt(): void {
    const { beta1, beta2 } = this.config;
    for (const [key, layer] of this.layers()) {
      for (const part of PARTS) {
        const p = this.tensorOf(layer, part);
        const name = `${key}.${part}`;
        if (!p.grad)
          throw new Error(
            `RankAllocator: ${name}.${this.adapterName} has no gradient; call updateAndAllocate after backward() and before zeroGrad()`,
          );
        const grad = p.grad;
        noGrad(() => {
          const ipt = tidy(() => abs(mul(p, grad)));
          const prevIpt = this.expAvgIpt.get(name);
          const prevUnc = this.expAvgUnc.get(name);
          const avgIpt = tidy(() => (prevIpt ? add(mul(prevIpt, beta1), mul(ipt, 1 - beta1)) : mul(ipt, 1 - beta1)));
          const avgUnc = tidy(() => {
            const dev = abs(sub(ipt, avgIpt));
            return prevUnc ? add(mul(prevUnc, beta2), mul(dev, 1 - beta2)) : mul(dev, 1 - beta2);
          });
          this.setState(this.ipt, name, ipt);
          this.setState(this.expAvgIpt, name, avgIpt);
          this.setState(this.expAvgUnc, name, avgUnc);
        });
      }
    }
  }

  /** The score of each triplet of each module: E's Ī·Ū plus the mean over its A row and its B column. */
  async tripletScores(): Promise<Map<string, Float64Array>> {
    const scores = new Map<string, Float64Array>();
    for (const [key, layer] of this.layers()) {
      const r = layer.rank(this.adapterName);
      const score = (part: Part) => {
        const name = `${key}.${part}`;
        const avg = this.expAvgIpt.get(name);
        const unc = this.expAvgUnc.get(name);
        if (!avg || !unc) throw new Error(`RankAllocator: no importance for ${name} yet; updateAndAllocate must see a gradient first`);
        return mul(avg, unc);
      };
      const sum = noGrad(() =>
        tidy(() => {
          const a = mean(score('lora_A'), 1, true); // [r, 1]
          const b = reshape(mean(score('lora_B'), 0), [r, 1]);
          const e = reshape(score('lora_E'), [r]);
          return add(e, reshape(add(a, b), [r]));
        }),
      );
      scores.set(key, Float64Array.from(await sum.data(), Number));
      sum.dispose();
    }
    return scores;
  }

  /**
   * PEFT's mask_to_budget: zeroes E where a triplet's score is at or below the k-th smallest score
   * (k = initBudget − budget) and returns which triplets are kept per module (`<module>.lora_E`).
   */
  async maskToBudget(budget: number): Promise<RankPattern> {
    const scores = await this.tripletScores();
    const all = [...scores.values()].flatMap((s) => [...s]).sort((a, b) => a - b);
    const k = this.initBudget - budget;
    if (k > all.length) throw new RangeError(`RankAllocator: cannot mask ${k} triplets, the adapter has ${all.length}`);
    const threshold = k <= 0 ? -Infinity : all[k - 1]!;
    const pattern: RankPattern = {};
    for (const [key, layer] of this.layers()) {
      const keep = [...scores.get(key)!].map((s) => !(s <= threshold));
      this.applyMask(layer, keep);
      pattern[`${key}.lora_E`] = keep;
    }
    return pattern;
  }

  private applyMask(layer: AdaLoraLayer, keep: readonly boolean[]): void {
    const e = this.tensorOf(layer, 'lora_E');
    if (keep.length !== e.shape[0])
      throw new RangeError(`RankAllocator: a mask of ${keep.length} entries for lora_E of shape [${e.shape.join(', ')}]`);
    noGrad(() => {
      const mask = tensor(
        keep.map((k) => (k ? 1 : 0)),
        { shape: [keep.length, 1], dtype: e.dtype },
      );
      const masked = mul(e, mask);
      e.assign(masked);
      masked.dispose();
      mask.dispose();
    });
  }

  /** PEFT's update_and_allocate of the allocator: update the scores (before the final phase), then mask when the schedule says so. */
  async updateAndAllocate(globalStep: number, forceMask = false): Promise<AllocationResult> {
    const { totalStep, tfinal } = this.config;
    if (globalStep < totalStep! - tfinal) this.updateIpt();
    const { budget, maskInd } = this.budgetSchedule(globalStep);
    const rankPattern = maskInd || forceMask ? await this.maskToBudget(budget) : null;
    return { budget, rankPattern };
  }

  /** PEFT's mask_using_rank_pattern: zeroes the E entries the pattern drops (keys with or without the adapter name). */
  maskUsingRankPattern(pattern: RankPattern): void {
    for (const [key, layer] of this.layers()) {
      const keep = pattern[`${key}.lora_E`] ?? pattern[`${key}.lora_E.${this.adapterName}`];
      if (!keep) throw new RangeError(`RankAllocator: the rank pattern has no entry for ${key}.lora_E`);
      this.applyMask(layer, keep);
    }
  }

  /** Forgets the importance scores (PEFT's reset_ipt, at the end of the budgeting phase). */
  resetIpt(): void {
    for (const map of [this.ipt, this.expAvgIpt, this.expAvgUnc]) {
      for (const t of map.values()) t.dispose();
      map.clear();
    }
  }

  /** Frees the allocator's tensors. */
  dispose(): void {
    this.resetIpt();
  }
}

const allocators = new WeakMap<TunerModel, RankAllocator>();

/** The adapter PEFT's AdaLoraModel trains (the one not in inference mode). */
function trainableAdapter(peft: PeftModel): string {
  const names = Object.entries(peft.peftConfig)
    .filter(([, c]) => !c.inferenceMode)
    .map(([n]) => n);
  if (names.length === 0) throw new Error('updateAndAllocate: the AdaLoRA model has no trainable adapter (all are in inference mode)');
  return names[0]!;
}

/** The rank allocator of a PEFT model's trainable AdaLoRA adapter (made on first use). */
export function getRankAllocator(peft: PeftModel): RankAllocator {
  if (peft.peftType !== 'ADALORA') throw new TypeError(`getRankAllocator: the model's adapters are ${peft.peftType}, not ADALORA`);
  const tuner = peft.baseModel as TunerModel;
  const adapter = trainableAdapter(peft);
  let allocator = allocators.get(tuner);
  if (!allocator || allocator.adapterName !== adapter) {
    allocator?.dispose();
    allocator = new RankAllocator(tuner, adapter, () => peft.peftConfig[adapter] as AdaLoraConfig);
    allocators.set(tuner, allocator);
  }
  return allocator;
}

/** Frees the allocator of `tuner`, if any (when its adapter is deleted). */
export function releaseRankAllocator(tuner: TunerModel, adapterName: string): void {
  const allocator = allocators.get(tuner);
  if (allocator && allocator.adapterName === adapterName) {
    allocator.dispose();
    allocators.delete(tuner);
  }
}

/**
 * PEFT's AdaLoraModel.update_and_allocate: call it every training step after `loss.backward()`
 * and before `optimizer.zeroGrad()`. Before total_step − tfinal it updates the scores and masks to
 * the scheduled budget (recording `rankPattern` in the adapter's config); at total_step − tfinal
 * it makes the final allocation; afterwards it keeps the masked entries at zero.
 */
export async function updateAndAllocate(peft: PeftModel, globalStep: number): Promise<AllocationResult | null> {
  if (!Number.isInteger(globalStep) || globalStep < 0)
    throw new RangeError(`updateAndAllocate: globalStep must be a non-negative integer, got ${globalStep}`);
  const allocator = getRankAllocator(peft);
  const adapter = allocator.adapterName;
  const config = peft.peftConfig[adapter] as AdaLoraConfig;
  const end = config.totalStep! - config.tfinal;
  if (globalStep < end) {
    const result = await allocator.updateAndAllocate(globalStep);
    if (result.rankPattern) peft.peftConfig[adapter] = config.with({ rankPattern: result.rankPattern });
    return result;
  }
  if (globalStep === end) {
    const result = await allocator.updateAndAllocate(globalStep, true);
    peft.peftConfig[adapter] = config.with({ rankPattern: result.rankPattern });
    allocator.resetIpt();
    return result;
  }
  if (!config.rankPattern)
    throw new Error(
      `updateAndAllocate: step ${globalStep} is past the budgeting phase (ends at ${end}) but the adapter has no rankPattern; call it at every step`,
    );
  allocator.maskUsingRankPattern(config.rankPattern);
  return null;
}
