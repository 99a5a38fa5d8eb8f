/** `@peftjs/models/node`: Hugging Face checkpoints in folders on disk. */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  loadSafetensorsFile,
  openSafetensorsFile,
  pathInside,
  readRegularFile,
  readRegularText,
  saveSafetensorsFile,
  writeFileAtomic,
} from '@peftjs/core/node';
import {
  AutoModel as AutoModelFromSource,
  AutoModelForCausalLM as AutoModelForCausalLMFromSource,
  AutoModelForImageClassification as AutoModelForImageClassificationFromSource,
  AutoModelForSequenceClassification as AutoModelForSequenceClassificationFromSource,
  type AutoModelClass,
  type ModelClass,
} from '../auto-model.js';
import type { PretrainedConfig } from '../config.js';
import {
  loadPretrained,
  loadWeightsFrom,
  savePretrained as saveTo,
  type FileSink,
  type FileSource,
  type LoadPretrainedOptions,
  type SavePretrainedOptions,
} from '../io.js';
import type { PreTrainedModel } from '../modeling.js';

/**
 * A FileSource reading the files of a folder. A name that leaves the folder (absolute, or climbing
 * out with `..`) is refused before anything is opened, and only regular files are read (symlinks
 * inside the folder are followed; see SECURITY.md). Safetensors files are read header first, then
 * tensor by tensor, each read bounded by what the header declares.
 */
export function dirSource(dir: string): FileSource {
  const at = (name: string) => pathInside(dir, name, 'loadPretrained: file');
  return {
    readText: (name) => readRegularText(at(name)),
    readBytes: async (name) => new Uint8Array(await readRegularFile(at(name), Number.MAX_SAFE_INTEGER)),
    exists: async (name) =>
      stat(at(name)).then(
        (s) => s.isFile(),
        () => false,
      ),
    readTensors: (name) => loadSafetensorsFile(at(name)),
    openTensors: (name, options) => openSafetensorsFile(at(name), options),
  };
}

/** A FileSink writing files into a folder (created if needed), each atomically. */
export function dirSink(dir: string): FileSink {
  return {
    writeText: async (name, text) => {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, name), text);
    },
    writeBytes: async (name, bytes) => {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, name), bytes);
    },
    writeTensors: async (name, tensors, metadata) => {
      await mkdir(dir, { recursive: true });
      await saveSafetensorsFile(join(dir, name), tensors, metadata);
    },
  };
}

/** Hugging Face's from_pretrained for a local folder holding config.json and model.safetensors (or shards). */
export async function fromPretrained<M extends PreTrainedModel = PreTrainedModel>(
  dir: string,
  options: Omit<LoadPretrainedOptions, 'nameOrPath'> = {},
): Promise<M> {
  return loadPretrained<M>(dirSource(dir), { ...options, nameOrPath: dir });
}

/** An Auto class whose `fromPretrained` reads a folder (`nameOrPath` becomes the folder). */
export interface AutoModelFromDir<M extends PreTrainedModel> {
  readonly name: string;
  fromPretrained(dir: string, options?: Pick<LoadPretrainedOptions, 'quantization'>): Promise<M>;
  fromConfig(config: PretrainedConfig): M;
  register(modelType: string, Model: ModelClass<M>): void;
}

function fromDir<M extends PreTrainedModel>(auto: AutoModelClass<M>): AutoModelFromDir<M> {
  return {
    name: auto.name,
    fromPretrained: (dir, options = {}) => auto.fromPretrained(dirSource(dir), { ...options, nameOrPath: dir }),
    fromConfig: (config) => auto.fromConfig(config),
    register: (modelType, Model) => auto.register(modelType, Model),
  };
}

/** HF's AutoModel for folders on disk: `await AutoModelForCausalLM.fromPretrained('./gpt2')`. */
export const AutoModel = fromDir(AutoModelFromSource);
export const AutoModelForCausalLM = fromDir(AutoModelForCausalLMFromSource);
export const AutoModelForSequenceClassification = fromDir(AutoModelForSequenceClassificationFromSource);
export const AutoModelForImageClassification = fromDir(AutoModelForImageClassificationFromSource);

/** Loads the weights in `dir` into an existing model (all or nothing). */
export async function loadWeightsFromDir(model: PreTrainedModel, dir: string): Promise<void> {
  return loadWeightsFrom(model, dirSource(dir));
}

/** Hugging Face's save_pretrained: config.json and model.safetensors, sharded when maxShardSize is given. */
export async function savePretrained(model: PreTrainedModel, dir: string, options: SavePretrainedOptions = {}): Promise<void> {
  return saveTo(model, dirSink(dir), options);
}
