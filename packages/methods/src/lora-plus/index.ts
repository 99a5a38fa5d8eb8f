import { AdamW, LayerNorm, RMSNorm, type AdamWOptions, type Optimizer, type Tensor } from '@peftjs/core';
import { LoraEmbedding } from '../lora/embedding.js';
import type { PeftModel } from '../peft-model.js';

/** PEFT's LoRA+ parameter groups, in the order create_loraplus_optimizer hands them to the optimizer. */
export const LORAPLUS_GROUP_NAMES = ['groupA', 'embedding', 'groupB', 'groupB_no_decay'] as const;
export type LoraplusGroupName = (typeof LORAPLUS_GROUP_NAMES)[number];

/** The hyper-parameters LoRA+ sets per group (core's optimizers name them lr and weightDecay). */
export interface LoraplusGroupOptions {
  lr: number;
  weightDecay: number;
}

export interface LoraplusParamGroup {
  name: LoraplusGroupName;
  /** The parameters' names in the PEFT model. */
  paramNames: string[];
  params: Tensor[];
  options: LoraplusGroupOptions;
}

/** A group as handed to the optimizer's constructor. */
export interface LoraplusGroupInput {
  params: Tensor[];
  options: LoraplusGroupOptions;
}

export interface LoraplusOptions {
  /** Learning rate of A (and of the other non-B tensors). */
  lr: number;
  /** η_B / η_A (PEFT's loraplus_lr_ratio; 16 is the paper's usual choice). */
  loraplusLrRatio?: number;
  /** Learning rate of LoRA on Embedding layers (PEFT's loraplus_lr_embedding, default 1e-6). */
  loraplusLrEmbedding?: number;
  /** Weight decay of every group except B's 1-D and norm tensors (PEFT's loraplus_weight_decay, default 0). */
  weightDecay?: number;
  /** The default AdamW's other hyper-parameters (betas, eps). */
  optimizerOptions?: Partial<Omit<AdamWOptions, 'lr' | 'weightDecay'>>;
}

/** Names of parameters that belong to norm layers (transformers' ALL_LAYERNORM_LAYERS; RMSNorm counted too). */
function normParameterNames(peft: PeftModel): Set<string> {
  const names = new Set<string>();
  for (const [key, m] of peft.namedModules()) {
    if (!(m instanceof LayerNorm || m instanceof RMSNorm)) continue;
    for (const [name] of m.namedParameters()) names.add(key ? `${key}.${name}` : name);
  }
  return names;
}

/** Names of the LoRA tensors of Embedding layers. */
function embeddingLoraNames(peft: PeftModel): Set<string> {
  const names = new Set<string>();
  for (const [key, m] of peft.namedModules()) {
    if (!(m instanceof LoraEmbedding)) continue;
    for (const [name] of m.namedParameters()) if (name.startsWith('lora_embedding_')) names.add(`${key}.${name}`);
  }
  return names;
}

/**
 * PEFT's create_loraplus_optimizer groups (Hayou et al., 2024): the trainable tensors split into
 * groupA (lr), embedding (loraplusLrEmbedding), groupB (lr × ratio: lora_B and other 1-D tensors
 * such as DoRA magnitudes) and groupB_no_decay (lr × ratio without weight decay: biases and norm
 * weights among them). LoRA tensors of Embedding layers go to `embedding`, as PEFT intends (PEFT
 * 0.18's test looks the parameter up instead of its module, so there they land in groupA).
 */
export function loraplusParamGroups(peft: PeftModel, options: Omit<LoraplusOptions, 'optimizerOptions'>): LoraplusParamGroup[] {
  const { lr, loraplusLrRatio = 16, loraplusLrEmbedding = 1e-6, weightDecay = 0 } = options;
  for (const [name, v] of [
    ['lr', lr],
    ['loraplusLrRatio', loraplusLrRatio],
    ['loraplusLrEmbedding', loraplusLrEmbedding],
    ['weightDecay', weightDecay],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new RangeError(`createLoraplusOptimizer: ${name} must be a finite non-negative number, got ${String(v)}`);
  }
  const norms = normParameterNames(peft);
  const embeddings = embeddingLoraNames(peft);
  const groups = new Map<LoraplusGroupName, LoraplusParamGroup>(
    LORAPLUS_GROUP_NAMES.map((name) => {
      const groupLr = name === 'groupA' ? lr : name === 'embedding' ? loraplusLrEmbedding : lr * loraplusLrRatio;
      return [
        name,
        { name, paramNames: [], params: [], options: { lr: groupLr, weightDecay: name === 'groupB_no_decay' ? 0 : weightDecay } },
      ];
    }),
  );
  for (const [name, p] of peft.namedParameters()) {
    if (!p.requiresGrad) continue;
    let group: LoraplusGroupName;
    if (embeddings.has(name)) group = 'embedding';
    else if (name.includes('lora_B') || p.rank === 1) group = norms.has(name) || name.includes('bias') ? 'groupB_no_decay' : 'groupB';
    else group = 'groupA';
    groups.get(group)!.paramNames.push(name);
    groups.get(group)!.params.push(p);
  }
  return [...groups.values()];
}

/**
 * PEFT's create_loraplus_optimizer: an optimizer over LoRA+'s four parameter groups, in
 * LORAPLUS_GROUP_NAMES order, B learning `loraplusLrRatio` times faster than A: core's AdamW, or
 * what `optimizer` makes from the groups (`(groups) => new SGD(groups, { lr })`).
 */
export function createLoraplusOptimizer<O extends Optimizer<{ lr: number }> = AdamW>(
  peft: PeftModel,
  options: LoraplusOptions & { optimizer?: (groups: LoraplusGroupInput[]) => O },
): O {
  const groups = loraplusParamGroups(peft, options).map((g) => ({ params: g.params, options: g.options }));
  if (options.optimizer) return options.optimizer(groups);
  return new AdamW(groups, { ...options.optimizerOptions, lr: options.lr }) as unknown as O;
}
