import {
  Conv1D,
  Conv2d,
  Dropout,
  Embedding,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  RMSNorm,
  GatedMLP,
  MultiHeadAttention,
  type Tensor,
} from '@peftjs/core';
import { GPT2LMHeadModel } from '../gpt2/modeling.js';
import { LlamaForCausalLM } from '../llama/modeling.js';
import { BertForSequenceClassification } from '../bert/modeling.js';
import { ViTForImageClassification } from '../vit/modeling.js';
import { buildBert, buildGPT2, buildLlama, buildViT, type Axes, type Built } from './families.js';
import { OnnxGraph } from './graph.js';
import { Layers, Weights, type Weight } from './layers.js';

export interface ExportOnnxOptions {
  /** The default-domain opset, 17 (LayerNormalization) to 21 (default 17). */
  opset?: number;
  /**
   * Dynamic batch and sequence axes (default true, named 'batch' and 'sequence'); false fixes them
   * to batchSize and sequenceLength; an object renames them (or fixes one with false).
   */
  dynamicAxes?: boolean | { batch?: string | false; sequence?: string | false };
  /** Sizes of the axes that are not dynamic (default 1 and the model's maximum positions). */
  batchSize?: number;
  sequenceLength?: number;
  /** For a PEFT model: merge its active adapters for the export and unmerge them after (default false: unmerged adapters are an error). */
  mergeAdapters?: boolean;
}

const MIN_OPSET = 17;
const MAX_OPSET = 21;

/** The model-specific container modules each family is made of (checked by class name). */
const FAMILY_MODULES = new Set([
  'GPT2LMHeadModel',
  'GPT2Model',
  'GPT2Block',
  'GPT2Attention',
  'GPT2MLP',
  'LlamaForCausalLM',
  'LlamaModel',
  'LlamaDecoderLayer',
  'BertForSequenceClassification',
  'BertModel',
  'BertEmbeddings',
  'BertEncoder',
  'BertLayer',
  'BertAttention',
  'BertIntermediate',
  'BertResidualOutput',
  'BertPooler',
  'EncoderSelfAttention',
  'ViTForImageClassification',
  'ViTModel',
  'ViTEmbeddings',
  'ViTPatchEmbeddings',
  'ViTEncoder',
  'ViTLayer',
  'ViTAttention',
  'DenseDropout',
  'ViTIntermediate',
]);
const CORE_LAYERS = [Linear, Conv1D, Conv2d, Embedding, LayerNorm, RMSNorm, Dropout, ModuleList, GatedMLP, MultiHeadAttention];

/** A PEFT tuner layer (LoRA and family) as seen from here: it wraps `baseLayer` and may have merged its adapters. */
interface TunerLike {
  baseLayer: Module;
  mergedAdapters: string[];
  adapterNames(): string[];
}
function isTuner(m: Module): m is Module & TunerLike {
  return 'mergedAdapters' in m && Array.isArray((m as Partial<TunerLike>).mergedAdapters) && 'baseLayer' in m;
}

/** A PeftModel as seen from here (this package does not depend on @peftjs/methods). */
interface PeftLike {
  getBaseModel(): Module;
  peftType: string;
  mergeAdapter(): Promise<void>;
  unmergeAdapter(): void;
}
function isPeftModel(m: unknown): m is Module & PeftLike {
  return (
    m instanceof Module &&
    typeof (m as Partial<PeftLike>).getBaseModel === 'function' &&
    typeof (m as Partial<PeftLike>).mergeAdapter === 'function'
  );
}

/**
 * Every module must be one the exporter writes; a tuner layer must have merged its adapters.
 * Returns the paths of the merged tuner layers (their base layers hold the merged weights).
 */
function checkModules(model: Module): string[] {
  const tuners: string[] = [];
  for (const [path, m] of model.namedModules()) {
    const where = path || '(the model)';
    // inside a merged tuner layer: its base layer holds the merged weights, the adapter weights are not exported
    if (tuners.some((t) => path.startsWith(`${t}.`))) continue;
    if (isTuner(m)) {
      if (m.mergedAdapters.length === 0) {
        throw new Error(
          `exportOnnx: module '${where}' (${m.constructor.name}) holds unmerged adapters [${m.adapterNames().join(', ')}]; merge them first (mergeAndUnload()) or pass mergeAdapters: true`,
        );
      }
      tuners.push(path);
      continue;
    }
    if (CORE_LAYERS.some((C) => m instanceof C) || FAMILY_MODULES.has(m.constructor.name)) continue;
    throw new Error(
      `exportOnnx: module '${where}' is a ${m.constructor.name}, which ONNX export does not support (supported: GPT-2, Llama, BERT and ViT layers, merged adapters)`,
    );
  }
  return tuners;
}

/** The state dict as host float32 arrays under the plain model's names (merged tuner layers' base_layer folded away). */
async function readWeights(model: Module, tuners: readonly string[]): Promise<Weights> {
  const map = new Map<string, Weight>();
  for (const [key, t] of model.stateDict()) {
    const tuner = tuners.find((p) => key.startsWith(`${p}.`));
    let name = key;
    if (tuner) {
      const rest = key.slice(tuner.length + 1);
      if (!rest.startsWith('base_layer.')) continue;
      name = `${tuner}.${rest.slice('base_layer.'.length)}`;
    }
    map.set(name, { values: await floats(t), shape: [...t.shape] });
  }
  return new Weights(map);
}

async function floats(t: Tensor): Promise<Float32Array> {
  const data = await t.data();
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}

function resolveAxes(options: ExportOnnxOptions, maxSequence: number): Axes {
  const dyn = options.dynamicAxes ?? true;
  const named =
    typeof dyn === 'object' ? dyn : dyn ? { batch: 'batch', sequence: 'sequence' } : { batch: false as const, sequence: false as const };
  const size = (v: number | undefined, fallback: number, what: string) => {
    const n = v ?? fallback;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`exportOnnx: ${what} must be a positive integer, got ${v}`);
    return n;
  };
  return {
    batch: named.batch === false ? size(options.batchSize, 1, 'batchSize') : (named.batch ?? 'batch'),
    sequence: named.sequence === false ? size(options.sequenceLength, maxSequence, 'sequenceLength') : (named.sequence ?? 'sequence'),
  };
}

/** The model's graph as ONNX bytes (see exportOnnx). */
export async function toOnnx(model: Module, options: ExportOnnxOptions = {}): Promise<Uint8Array> {
  const opset = options.opset ?? MIN_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    throw new RangeError(`exportOnnx: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${options.opset}`);
  if (isPeftModel(model)) {
    if (!options.mergeAdapters) return toOnnx(model.getBaseModel(), options);
    if (['PROMPT_TUNING', 'P_TUNING', 'PREFIX_TUNING', 'ADAPTION_PROMPT'].includes(model.peftType)) {
      throw new Error(
        `exportOnnx: ${model.peftType} adapters cannot be merged into the weights; only weight adapters (LoRA and family) export`,
      );
    }
    await model.mergeAdapter();
    try {
      return await toOnnx(model.getBaseModel(), { ...options, mergeAdapters: false });
    } finally {
      model.unmergeAdapter();
    }
  }
  const tuners = checkModules(model);
  const graph = new OnnxGraph(opset);
  const layers = new Layers(graph, await readWeights(model, tuners));
  let built: Built;
  if (model instanceof GPT2LMHeadModel) built = buildGPT2(layers, model.config, resolveAxes(options, model.config.nPositions));
  else if (model instanceof LlamaForCausalLM)
    built = await buildLlama(layers, model.config, resolveAxes(options, model.config.maxPositionEmbeddings));
  else if (model instanceof BertForSequenceClassification) {
    if (model.config.positionEmbeddingType !== 'absolute')
      throw new Error(
        `exportOnnx: BERT with position_embedding_type '${model.config.positionEmbeddingType}' is not supported (absolute only)`,
      );
    built = buildBert(layers, model.config, resolveAxes(options, model.config.maxPositionEmbeddings));
  } else if (model instanceof ViTForImageClassification) built = buildViT(layers, model.config, resolveAxes(options, 1));
  else {
    throw new Error(
      `exportOnnx: ${model.constructor.name} is not supported (GPT2LMHeadModel, LlamaForCausalLM, BertForSequenceClassification, ViTForImageClassification)`,
    );
  }
  return graph.toModel(built.inputs, built.outputs, `${model.constructor.name} exported by peft.js`);
}

/**
 * Writes a merged model as a standard `.onnx` file (torch.onnx.export's role): named inputs
 * `input_ids` and `attention_mask` (int64; `pixel_values` for ViT), output `logits`, dynamic batch
 * and sequence axes. The file is written next to `path` and renamed into place, so a failed export
 * leaves nothing behind.
 */
export async function exportOnnx(model: Module, path: string, options: ExportOnnxOptions = {}): Promise<void> {
  const bytes = await toOnnx(model, options);
  const fs = await import('node:fs/promises');
  const tmp = `${path}.${process.pid}.partial`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new Error(`exportOnnx: cannot write ${path}: ${(err as Error).message}`);
  }
}
