import {
  type Backend,
  checkpoint,
  Conv1D,
  Conv2d,
  Embedding,
  fill,
  formatShape,
  isGradEnabled,
  isMeta,
  KeyValueCache,
  type KeyValueCacheLayer,
  LayerNorm,
  Linear,
  type LoadStateDictResult,
  Module,
  noGrad,
  randn,
  RMSNorm,
  tensor,
  type Tensor,
  tidy,
} from '@peftjs/core';
import type { PretrainedConfig } from './config.js';

/** One [key, value] pair a decoder layer, each [batch, numKeyValueHeads, pastLength, headDim]. */
export type PastKeyValues = readonly (readonly [Tensor, Tensor])[];

export interface ModelInputs {
  /** Token ids [batch, seq] (int32). */
  inputIds?: Tensor;
  /** Embeddings [batch, seq, hidden] used instead of inputIds (causal LMs): the token embedding is skipped. */
  inputsEmbeds?: Tensor;
  /**
   * Keys and values before the sequence (causal LMs), one pair a layer: a cache or learned prefixes.
   * The tokens then sit at positions pastLength.., and attentionMask covers pastLength + seq keys.
   * A KeyValueCache (generation) also receives this call's keys and values.
   */
  pastKeyValues?: PastKeyValues | KeyValueCache | null;
  /**
   * Position of each token int32 [batch, seq] (causal LMs; Hugging Face's position_ids): left-padded
   * rows count from their first real token. Default pastLength..pastLength+seq−1 for every row.
   */
  positionIds?: Tensor | null;
  /** 1 for tokens to attend to, 0 for padding [batch, seq] (or [batch, pastLength + seq] with pastKeyValues). */
  attentionMask?: Tensor | null;
  /** Targets: token ids for causal LMs (shifted inside, -100 ignored), class indices or values for classifiers. */
  labels?: Tensor | null;
  /** Segment ids [batch, seq] (BERT). */
  tokenTypeIds?: Tensor | null;
  /** Images [batch, channels, height, width] (ViT). */
  pixelValues?: Tensor;
  /**
   * Causal LMs with labels: false computes the loss through the LM head slice by slice
   * (core's linearCrossEntropy) so the [batch, seq, vocab] logits never exist, and returns no
   * logits. Default true.
   */
  returnLogits?: boolean;
}

/** What a causal LM returns (transformers' CausalLMOutputWithPast). */
export interface CausalLMOutput {
  /** Next-token scores [batch, seq, vocab]. */
  logits: Tensor;
  /** The shifted cross-entropy, when labels were given. */
  loss?: Tensor;
  /** Each layer's keys and values after this call: the KeyValueCache given as `pastKeyValues`, now holding this call's positions too. */
  pastKeyValues?: PastKeyValues | KeyValueCache;
}

/** What a sequence classifier returns (transformers' SequenceClassifierOutput). */
export interface SequenceClassifierOutput {
  /** Class scores [batch, numLabels]. */
  logits: Tensor;
  /** Cross-entropy, BCE or MSE by the config's problem type, when labels were given. */
  loss?: Tensor;
}

/** What an image classifier returns (transformers' ImageClassifierOutput). */
export type ImageClassifierOutput = SequenceClassifierOutput;

/** Logits and an optional loss: what every head model returns. */
export type ModelOutput = CausalLMOutput | SequenceClassifierOutput;

/** What a base model returns (transformers' BaseModelOutputWithPooling). */
export interface BaseModelOutput {
  /** The final hidden states [batch, seq, hidden]. */
  lastHiddenState: Tensor;
  /** The pooled first token [batch, hidden] (BERT and ViT with a pooler). */
  poolerOutput?: Tensor;
}

/**
 * What every Hugging Face model class shares: its config, HF init, and checkpoint name handling.
 * `Output` is what `forward` returns (CausalLMOutput, SequenceClassifierOutput, BaseModelOutput).
 */
export abstract class PreTrainedModel<C extends PretrainedConfig = PretrainedConfig, Output = unknown> extends Module<
  [ModelInputs],
  Output
> {
  /** The attribute holding the base model in head models (`transformer`, `model`, `bert`, `vit`). */
  static readonly basePrefix: string = '';
  /** Checkpoint entries Hugging Face ignores when they are absent or extra (non-persistent buffers). */
  protected static readonly ignoredKeys: readonly RegExp[] = [];
  /** Task heads that may be absent from a checkpoint (a base checkpoint loaded for fine-tuning): they keep their fresh init. */
  protected static readonly newHeadKeys: readonly RegExp[] = [];

  /** Whether decoder layers recompute their activations in backward (transformers' is_gradient_checkpointing). */
  gradientCheckpointing = false;
  /** Where the weights were loaded from (HF's name_or_path): a folder or a hub name; null for a fresh model. */
  nameOrPath: string | null = null;

  constructor(readonly config: C) {
    super();
  }

  /**
   * transformers' gradient_checkpointing_enable: while training, each layer keeps only its inputs
   * and runs again in backward (core's checkpoint), trading one more forward for the layer's
   * activations. Gradients and dropout masks are the same as without it.
   */
  gradientCheckpointingEnable(): void {
    for (const [, m] of this.namedModules()) if (m instanceof PreTrainedModel) m.gradientCheckpointing = true;
  }

  gradientCheckpointingDisable(): void {
    for (const [, m] of this.namedModules()) if (m instanceof PreTrainedModel) m.gradientCheckpointing = false;
  }

  get isGradientCheckpointing(): boolean {
    return this.gradientCheckpointing;
  }

  /**
   * Runs one layer on `inputs` (null where a layer has no such input), through core's checkpoint
   * when gradient checkpointing is on, the model trains and a graph is being recorded.
   */
  protected runLayer(layer: (inputs: readonly (Tensor | null)[]) => Tensor, inputs: readonly (Tensor | null)[]): Tensor {
    return runLayer(this.gradientCheckpointing && this.training, layer, inputs);
  }

  /** The class name Hugging Face uses in `architectures`. */
  get architecture(): string {
    return this.constructor.name;
  }

  abstract override forward(inputs: ModelInputs): Output;

  /**
   * Hugging Face's `_init_weights`: linear and Conv1D weights ~ N(0, std) with zero biases,
   * embeddings ~ N(0, std) (the padding row zeroed), norms to ones and zeros. Sampled with core's
   * seeded Philox generator (`manualSeed`).
   */
  protected initWeights(std: number, paddingIdx: number | null = null, root: Module = this): void {
    noGrad(() => {
      for (const [, m] of root.namedModules()) {
        if (m instanceof Linear || m instanceof Conv1D || m instanceof Conv2d) {
          resetNormal(m.weight, std);
          if (m.bias) resetConstant(m.bias, 0);
        } else if (m instanceof Embedding) {
          resetNormal(m.weight, std);
          if (paddingIdx !== null && paddingIdx >= 0 && paddingIdx < m.numEmbeddings) zeroRow(m.weight, paddingIdx);
        } else if (m instanceof LayerNorm || m instanceof RMSNorm) {
          if (m.weight) resetConstant(m.weight, 1);
          if (m instanceof LayerNorm && m.bias) resetConstant(m.bias, 0);
        }
      }
    });
  }

  /** Checkpoint keys mapped onto this model's names: the base prefix added or removed, ignored buffers dropped. */
  checkpointKeyMap(keys: Iterable<string>): Map<string, string> {
    const ctor = this.constructor as typeof PreTrainedModel;
    const own = new Set(this.stateDict().keys());
    const prefix = (this.constructor as typeof PreTrainedModel).basePrefix;
    const out = new Map<string, string>();
    for (const key of keys) {
      if (ctor.ignoredKeys.some((r) => r.test(key))) continue;
      let name = key;
      if (!own.has(name) && prefix) {
        if (own.has(`${prefix}.${key}`)) name = `${prefix}.${key}`;
        else if (key.startsWith(`${prefix}.`) && own.has(key.slice(prefix.length + 1))) name = key.slice(prefix.length + 1);
      }
      out.set(key, name);
    }
    return out;
  }

  /**
   * Loads Hugging Face weights by name. Missing or unexpected names are an error, except tied
   * duplicates, the buffers HF ignores, and fresh task heads (a classifier absent from a base
   * checkpoint keeps its init and is reported in `missingKeys`). All or nothing: a failed load
   * leaves the model as it was.
   */
  loadWeights(state: ReadonlyMap<string, Tensor>): LoadStateDictResult {
    const mapped = new Map<string, Tensor>();
    for (const [key, name] of this.checkpointPlan(new Map([...state].map(([k, t]) => [k, t.shape])))) mapped.set(name, state.get(key)!);
    try {
      return this.loadStateDict(mapped, { strict: false });
    } catch (e) {
      throw new Error(`${this.architecture}: cannot load the checkpoint: ${(e as Error).message}`);
    }
  }

  /**
   * Checks a checkpoint's names and shapes before anything is read or written: the map from
   * checkpoint key to this model's name. Throws naming missing keys (except fresh task heads and
   * tied duplicates), unexpected keys and shape mismatches.
   */
  checkpointPlan(shapes: ReadonlyMap<string, readonly number[]>): Map<string, string> {
    const ctor = this.constructor as typeof PreTrainedModel;
    const plan = this.checkpointKeyMap(shapes.keys());
    const byName = new Map([...plan].map(([key, name]) => [name, key]));
    const probe = this.loadStateDictReport(byName);
    const missing = probe.missingKeys.filter((k) => !ctor.newHeadKeys.some((r) => r.test(k)));
    if (missing.length > 0 || probe.unexpectedKeys.length > 0) {
      throw new Error(
        `${this.architecture}: cannot load the checkpoint: loadStateDict: missing keys [${missing.join(', ')}]; unexpected keys [${probe.unexpectedKeys.join(', ')}]`,
      );
    }
    const own = this.stateDict();
    for (const [name, target] of own) {
      const key = byName.get(name);
      if (key === undefined) continue;
      const want = target.shape;
      const got = shapes.get(key)!;
      if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
        throw new Error(
          `${this.architecture}: cannot load the checkpoint: loadStateDict: ${name} has shape ${formatShape(got)}, the module expects ${formatShape(want)}`,
        );
      }
    }
    return plan;
  }

  /**
   * After a load into a model made under initEmptyWeights: parameters the checkpoint did not hold
   * (fresh task heads) get storage on `backend` and Hugging Face's init.
   */
  initMissingWeights(backend: Backend): void {
    const std = (this.config as unknown as { initializerRange?: number }).initializerRange ?? 0.02;
    for (const [, m] of this.namedModules()) {
      const empty = [...m.namedParameters()].filter(([k, p]) => !k.includes('.') && isMeta(p));
      if (empty.length === 0) continue;
      for (const [, p] of empty) tidy(() => p.assign(fill(p.shape, 0, p.dtype, backend)));
      this.initWeights(std, null, m);
    }
  }

  /** Missing and unexpected names of a state dict, without loading anything. */
  private loadStateDictReport(state: ReadonlyMap<string, unknown>): LoadStateDictResult {
    const own = this.stateDict();
    const given = new Set([...own].filter(([k]) => state.has(k)).map(([, t]) => t));
    return {
      missingKeys: [...own].filter(([k, t]) => !state.has(k) && !given.has(t)).map(([k]) => k),
      unexpectedKeys: [...state.keys()].filter((k) => !own.has(k)),
    };
  }

  /** The state dict as Hugging Face saves it: a tied tensor only under its first name. */
  weightsToSave(): Map<string, Tensor> {
    const seen = new Set<Tensor>();
    const out = new Map<string, Tensor>();
    for (const [name, t] of this.stateDict()) {
      if (seen.has(t)) continue;
      seen.add(t);
      out.set(name, t);
    }
    return out;
  }
}

/**
 * Runs one layer on `inputs` (null where a layer lacks one), through core's checkpoint when
 * `checkpointing` is on and a graph is being recorded.
 */
export function runLayer(
  checkpointing: boolean,
  layer: (inputs: readonly (Tensor | null)[]) => Tensor,
  inputs: readonly (Tensor | null)[],
): Tensor {
  if (!(checkpointing && isGradEnabled())) return layer(inputs);
  const present = inputs.filter((t): t is Tensor => t !== null);
  return checkpoint(
    (...ts: Tensor[]) => {
      let k = 0;
      return layer(inputs.map((t) => (t ? ts[k++] : null)));
    },
    ...present,
  );
}

function resetNormal(t: Tensor, std: number): void {
  const v = randn(t.shape, { std, dtype: t.dtype, backend: t.backend });
  t.assign(v);
  v.dispose();
}

function resetConstant(t: Tensor, value: number): void {
  tidy(() => t.assign(t.detach().mul(0).add(value)));
}

function zeroRow(weight: Tensor, row: number): void {
  tidy(() => {
    const [n, d] = weight.shape;
    const keep = new Float32Array(n * d).fill(1);
    keep.fill(0, row * d, (row + 1) * d);
    const mask = tensor(keep, { shape: [n, d], dtype: weight.dtype, backend: weight.backend });
    weight.assign(weight.detach().mul(mask));
  });
}

/** Token ids as int32 [batch, seq], with a clear error naming the model. */
export function checkIds(model: string, ids: Tensor | undefined, arg = 'inputIds'): Tensor {
  if (!ids) throw new TypeError(`${model}.forward: ${arg} is required`);
  if (ids.rank !== 2) throw new RangeError(`${model}.forward: ${arg} must be [batch, seq], got ${formatShape(ids.shape)}`);
  if (ids.dtype !== 'int32') throw new TypeError(`${model}.forward: ${arg} must be int32 token ids, got ${ids.dtype}`);
  return ids;
}

/** Positions start..start+seq−1 as int32 [seq] on `like`'s backend. */
export function positionIds(seq: number, like: Tensor, start = 0): Tensor {
  return tensor(
    Int32Array.from({ length: seq }, (_, i) => start + i),
    { shape: [seq], dtype: 'int32', backend: like.backend },
  );
}

/**
 * Exactly one of inputIds [batch, seq] and inputsEmbeds [batch, seq, hidden], as Hugging Face
 * requires; `embed` turns ids into embeddings. Returns the embeddings and their batch and length.
 */
export function inputEmbeddings(
  model: string,
  inputs: ModelInputs,
  hidden: number,
  embed: (ids: Tensor) => Tensor,
): { embeds: Tensor; batch: number; seq: number } {
  checkTokenInputs(model, inputs);
  if (inputs.inputsEmbeds) {
    const e = inputs.inputsEmbeds;
    if (e.rank !== 3 || e.shape[2] !== hidden)
      throw new RangeError(`${model}.forward: inputsEmbeds must be [batch, seq, ${hidden}], got ${formatShape(e.shape)}`);
    if (e.dtype !== 'float32' && e.dtype !== 'float64')
      throw new TypeError(`${model}.forward: inputsEmbeds must be float32 or float64, got ${e.dtype}`);
    return { embeds: e, batch: e.shape[0], seq: e.shape[1] };
  }
  const ids = inputs.inputIds!;
  return { embeds: embed(ids), batch: ids.shape[0], seq: ids.shape[1] };
}

/** Exactly one of inputIds (int32 [batch, seq]) and inputsEmbeds, as Hugging Face requires. */
export function checkTokenInputs(model: string, inputs: ModelInputs): void {
  if (inputs.inputIds && inputs.inputsEmbeds) throw new TypeError(`${model}.forward: pass either inputIds or inputsEmbeds, not both`);
  if (!inputs.inputIds && !inputs.inputsEmbeds) throw new TypeError(`${model}.forward: inputIds or inputsEmbeds is required`);
  if (inputs.inputIds) checkIds(model, inputs.inputIds);
}

/**
 * The past length P of per-layer keys and values: one [key, value] pair for each of `layers`
 * layers, each [batch, heads, P, headDim] (0 without them).
 */
export function pastLength(
  model: string,
  past: PastKeyValues | KeyValueCache | null | undefined,
  layers: number,
  batch: number,
  heads: number,
  headDim: number,
): number {
  if (!past) return 0;
  if (past instanceof KeyValueCache) return past.length;
  if (past.length !== layers)
    throw new RangeError(
      `${model}.forward: pastKeyValues must have one [key, value] pair for each of the ${layers} layers, got ${past.length}`,
    );
  const length = past[0]?.[0]?.shape[2];
  past.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`${model}.forward: pastKeyValues[${i}] must be a [key, value] pair`);
    pair.forEach((t, j) => {
      const ok = t.rank === 4 && t.shape[0] === batch && t.shape[1] === heads && t.shape[2] === length && t.shape[3] === headDim;
      if (!ok) {
        throw new RangeError(
          `${model}.forward: pastKeyValues[${i}][${j}] must be [${batch}, ${heads}, ${length}, ${headDim}] (batch, heads, past length, head dim), got ${formatShape(t.shape)}`,
        );
      }
    });
  });
  return length;
}

/** What one attention layer gets of pastKeyValues: fixed keys and values, or its slot of a cache. */
export interface LayerPast {
  pastKeyValue: readonly [Tensor, Tensor] | null;
  cache: KeyValueCacheLayer | null;
}

/** Layer `i`'s share of pastKeyValues. */
export function layerPast(past: PastKeyValues | KeyValueCache | null, i: number): LayerPast {
  if (!past) return { pastKeyValue: null, cache: null };
  if (past instanceof KeyValueCache) return { pastKeyValue: null, cache: past.layer(i) };
  return { pastKeyValue: past[i], cache: null };
}

/** The output with the generation cache attached when one was passed (Hugging Face returns it as past_key_values). */
export function withCache(output: CausalLMOutput, inputs: ModelInputs): CausalLMOutput {
  return inputs.pastKeyValues instanceof KeyValueCache ? { ...output, pastKeyValues: inputs.pastKeyValues } : output;
}

/** Position ids int32 [batch, seq] (checked), or null. */
export function checkPositionIds(model: string, ids: Tensor | null | undefined, batch: number, seq: number): Tensor | null {
  if (!ids) return null;
  if (ids.rank !== 2 || ids.shape[0] !== batch || ids.shape[1] !== seq || ids.dtype !== 'int32') {
    throw new RangeError(`${model}.forward: positionIds must be int32 [${batch}, ${seq}], got ${ids.dtype} ${formatShape(ids.shape)}`);
  }
  return ids;
}

/** A padding mask [batch, keys] for `keys` = past length + sequence length. */
export function checkKeyMask(model: string, mask: Tensor, batch: number, keys: number, past: number): Tensor {
  if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== keys) {
    const what = past > 0 ? ` (past length ${past} + sequence length ${keys - past})` : '';
    throw new RangeError(`${model}.forward: attentionMask must be [${batch}, ${keys}]${what}, got ${formatShape(mask.shape)}`);
  }
  return mask;
}

/** A padding mask shaped like the token ids. */
export function checkMask(model: string, mask: Tensor, ids: Tensor): Tensor {
  if (mask.rank !== 2 || mask.shape[0] !== ids.shape[0] || mask.shape[1] !== ids.shape[1]) {
    throw new RangeError(`${model}.forward: attentionMask must be [${ids.shape.join(', ')}] like inputIds, got ${formatShape(mask.shape)}`);
  }
  return mask;
}
