import {
  bytesSource,
  initEmptyWeights,
  loadSafetensors,
  openSafetensors,
  quantizeModel,
  resolveQuantizationConfig,
  saveSafetensors,
  type QuantizationConfig,
  type SafetensorsHandle,
  type Tensor,
} from '@peftjs/core';
import { streamWeights, type ShardOpener } from './lean-load.js';
import { LoadQuantizer } from './quantize-on-load.js';
import { resolveModel } from './auto.js';
import './families.js';
import type { PretrainedConfig } from './config.js';
import type { PreTrainedModel } from './modeling.js';
import { parseWeightMap } from './weight-map.js';
import { constructModel } from './construct.js';

/** Where a checkpoint is read from: files by name (a folder, a map of fetched files, a browser upload). */
export interface FileSource {
  readText(name: string): Promise<string>;
  readBytes(name: string): Promise<Uint8Array>;
  exists(name: string): Promise<boolean>;
  /** Optional faster path for safetensors files (e.g. straight from disk). */
  readTensors?(name: string): Promise<Map<string, Tensor>>;
  /** Opens a safetensors file lazily (header now, each tensor by range), so loading streams weight by weight. */
  openTensors?(name: string, options: { floatDType: 'float32' | 'float64' }): Promise<SafetensorsHandle>;
}

/** Where a checkpoint is written to. */
export interface FileSink {
  writeText(name: string, text: string): Promise<void>;
  writeBytes(name: string, bytes: Uint8Array): Promise<void>;
  /** Optional faster path for safetensors files. */
  writeTensors?(name: string, tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string>): Promise<void>;
}

export const CONFIG_NAME = 'config.json';
export const WEIGHTS_NAME = 'model.safetensors';
export const WEIGHTS_INDEX_NAME = 'model.safetensors.index.json';

/** A FileSource over files already in memory (bytes or text by name). */
export function memorySource(files: ReadonlyMap<string, Uint8Array | string> | Record<string, Uint8Array | string>): FileSource {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  const get = (name: string) => {
    const f = map.get(name);
    if (f === undefined) throw new Error(`memorySource: no file ${name}`);
    return f;
  };
  return {
    readText: async (name) => {
      const f = get(name);
      return typeof f === 'string' ? f : new TextDecoder().decode(f);
    },
    readBytes: async (name) => {
      const f = get(name);
      return typeof f === 'string' ? new TextEncoder().encode(f) : f;
    },
    exists: async (name) => map.has(name),
    openTensors: async (name, options) => {
      const f = get(name);
      if (typeof f === 'string') throw new Error(`memorySource: ${name} is text, not a safetensors file`);
      return openSafetensors(bytesSource(f, name), options);
    },
  };
}

/** A FileSink collecting the written files in a Map. */
export function memorySink(files: Map<string, Uint8Array | string> = new Map()): FileSink & { files: Map<string, Uint8Array | string> } {
  return {
    files,
    writeText: async (name, text) => void files.set(name, text),
    writeBytes: async (name, bytes) => void files.set(name, bytes),
  };
}

async function readTensors(source: FileSource, name: string): Promise<Map<string, Tensor>> {
  return source.readTensors ? source.readTensors(name) : loadSafetensors(await source.readBytes(name));
}

/** Every tensor of a checkpoint: `model.safetensors`, or the shards named in `model.safetensors.index.json`. */
export async function readCheckpoint(source: FileSource): Promise<Map<string, Tensor>> {
  if (!(await source.exists(WEIGHTS_INDEX_NAME))) {
    if (!(await source.exists(WEIGHTS_NAME)))
      throw new Error(`loadPretrained: neither ${WEIGHTS_NAME} nor ${WEIGHTS_INDEX_NAME} is present`);
    return readTensors(source, WEIGHTS_NAME);
  }
  const weightMap = parseWeightMap(await source.readText(WEIGHTS_INDEX_NAME), WEIGHTS_INDEX_NAME);
  const out = new Map<string, Tensor>();
  try {
    for (const shard of new Set(weightMap.values())) {
      for (const [k, t] of await readTensors(source, shard)) {
        if (weightMap.get(k) === shard && !out.has(k)) out.set(k, t);
        else t.dispose();
      }
    }
    const absent = [...weightMap.keys()].filter((k) => !out.has(k));
    if (absent.length > 0)
      throw new Error(`loadPretrained: ${WEIGHTS_INDEX_NAME} names tensors its shards lack: ${absent.slice(0, 5).join(', ')}`);
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

export interface LoadPretrainedOptions {
  /**
   * Quantize the Linear layers while loading (transformers' quantization_config with
   * load_in_4bit / load_in_8bit): `{ bits: 4 }` is NF4 with double quantization, `{ bits: 8 }`
   * int8. The output head (lm_head, score, classifier), embeddings and norms stay float. From a
   * source that opens files lazily, each Linear is quantized as its weights stream in, so the
   * float model never exists whole.
   */
  quantization?: QuantizationConfig;
  /** Picks the class from the config instead of `architectures` (the Auto classes pick by task). */
  modelClass?: (config: PretrainedConfig) => new (config: any) => PreTrainedModel;
  /** Where the checkpoint came from, kept as `model.nameOrPath` (HF's name_or_path; adapters save it as base_model_name_or_path). */
  nameOrPath?: string;
  /** The dtype of the model's floating-point weights (default float32); stored F16/BF16/F64 convert on the way in. */
  dtype?: 'float32' | 'float64';
}

/** The shards of a checkpoint and how to open them, for sources that open files lazily. */
function shardOpener(source: FileSource & Required<Pick<FileSource, 'openTensors'>>): ShardOpener {
  return async () => {
    let shards: { file: string; keys: ReadonlySet<string> | null }[];
    if (await source.exists(WEIGHTS_INDEX_NAME)) {
      const weightMap = parseWeightMap(await source.readText(WEIGHTS_INDEX_NAME), WEIGHTS_INDEX_NAME);
      const byFile = new Map<string, Set<string>>();
      for (const [k, f] of weightMap) byFile.set(f, (byFile.get(f) ?? new Set()).add(k));
      shards = [...byFile].map(([file, keys]) => ({ file, keys }));
    } else {
      if (!(await source.exists(WEIGHTS_NAME)))
        throw new Error(`loadPretrained: neither ${WEIGHTS_NAME} nor ${WEIGHTS_INDEX_NAME} is present`);
      shards = [{ file: WEIGHTS_NAME, keys: null }];
    }
    return { shards, open: (file, floatDType) => source.openTensors(file, { floatDType }) };
  };
}

/**
 * A model from a Hugging Face checkpoint: `config.json` picks the class (architectures, else
 * model_type) and `model.safetensors` (or its sharded index) fills the weights. Where the source
 * opens files lazily (folders, files in memory), the model is made without weights and each
 * tensor is read once, straight into its parameter (see lean-load.ts); a failed load frees the
 * model and leaves nothing behind.
 */
export async function loadPretrained<M extends PreTrainedModel = PreTrainedModel>(
  source: FileSource,
  options: LoadPretrainedOptions = {},
): Promise<M> {
  // a bad quantization config fails before anything is read
  if (options.quantization !== undefined) resolveQuantizationConfig(options.quantization);
  let json: unknown;
  try {
    json = JSON.parse(await source.readText(CONFIG_NAME));
  } catch (e) {
    throw new Error(`loadPretrained: cannot read ${CONFIG_NAME}: ${(e as Error).message}`);
  }
  const resolved = resolveModel(json);
  const Model = options.modelClass?.(resolved.config) ?? resolved.Model;
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new RangeError(`loadPretrained: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  const openTensors = source.openTensors;
  const build = () => new Model(resolved.config).to(dtype);
  const model = constructModel(resolved.config, () => (openTensors ? initEmptyWeights(build) : build()));
  if (options.nameOrPath !== undefined) model.nameOrPath = options.nameOrPath;
  try {
    if (openTensors) {
      // each Linear is quantized as soon as its weights are in, its float weight freed at once
      const quantizer = options.quantization ? new LoadQuantizer(model, options.quantization) : null;
      await streamWeights(
        model,
        shardOpener({ ...source, openTensors: openTensors.bind(source) }),
        quantizer ? (t) => quantizer.loaded(t) : undefined,
      );
    } else {
      await loadWeightsFrom(model, source);
    }
    // what is still float (everything, after an eager load) is quantized now, a layer at a time
    if (options.quantization) await quantizeModel(model, options.quantization);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model as M;
}

/** Loads a checkpoint's weights into an existing model, all or nothing. */
export async function loadWeightsFrom(model: PreTrainedModel, source: FileSource): Promise<void> {
  const state = await readCheckpoint(source);
  try {
    model.loadWeights(state);
  } finally {
    for (const t of state.values()) t.dispose();
  }
}

export interface SavePretrainedOptions {
  /** Split the weights into shards of at most this many bytes (HF's max_shard_size), with an index file. */
  maxShardSize?: number;
}

function bytesOf(t: Tensor): number {
  return t.size * (t.dtype === 'float64' ? 8 : t.dtype === 'bool' ? 1 : 4);
}

/** Writes `config.json` and `model.safetensors` (or shards and `model.safetensors.index.json`) with HF's names. */
export async function savePretrained(model: PreTrainedModel, sink: FileSink, options: SavePretrainedOptions = {}): Promise<void> {
  const weights = model.weightsToSave();
  const shards: Map<string, Tensor>[] = [new Map()];
  let size = 0;
  let total = 0;
  const max = options.maxShardSize;
  if (max !== undefined && !(Number.isFinite(max) && max > 0))
    throw new RangeError(`savePretrained: maxShardSize must be a positive number of bytes, got ${max}`);
  for (const [name, t] of weights) {
    const n = bytesOf(t);
    if (max !== undefined && size > 0 && size + n > max) {
      shards.push(new Map());
      size = 0;
    }
    shards[shards.length - 1].set(name, t);
    size += n;
    total += n;
  }
  const metadata = { format: 'pt' };
  const write = async (name: string, tensors: Map<string, Tensor>) =>
    sink.writeTensors ? sink.writeTensors(name, tensors, metadata) : sink.writeBytes(name, await saveSafetensors(tensors, metadata));
  if (shards.length === 1) {
    await write(WEIGHTS_NAME, shards[0]);
  } else {
    const weightMap: Record<string, string> = {};
    const pad = (i: number) => String(i).padStart(5, '0');
    for (let i = 0; i < shards.length; i++) {
      const file = `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`;
      await write(file, shards[i]);
      for (const k of shards[i].keys()) weightMap[k] = file;
    }
    await sink.writeText(WEIGHTS_INDEX_NAME, JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  }
  await sink.writeText(CONFIG_NAME, JSON.stringify(model.config.toJSON(model.architecture), null, 2) + '\n');
}
