/**
 * Adapters as folders on disk, in PEFT's layout: `adapter_config.json` and
 * `adapter_model.safetensors`, a non-default adapter in a subfolder named after it.
 */
import { mkdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { loadSafetensorsFile, pathInside, readRegularFile, readRegularText, writeFileAtomic } from '@peftjs/core/node';
import type { Module } from '@peftjs/core';
import type { CausalLMModel } from '@peftjs/models';
import { AutoModelForCausalLM } from '@peftjs/models/node';
// every method registers itself when the main entry loads; this entry alone must find them too
import '../index.js';
import type { PeftModel } from '../peft-model.js';
import {
  ADAPTER_CONFIG_NAME,
  ADAPTER_WEIGHTS_NAME,
  loadParsedAdapter,
  parseAdapterConfig,
  peftModelFromParsed,
  saveAdapterFiles,
  type AdapterFiles,
  type LoadAdapterOptions,
  type ParsedAdapter,
} from '../save/adapter-files.js';

export interface SavePretrainedOptions {
  /** The adapters to save (default: all). */
  selectedAdapters?: readonly string[];
  /**
   * A folder holding the adapter as saved right after its initialisation: a PiSSA or OLoRA adapter
   * is then saved as a plain LoRA adapter of the original base weights (rank and alpha doubled).
   */
  pathInitialModelForWeightConversion?: string;
}

/** PEFT's save_pretrained: each adapter's two files, written atomically. */
export async function savePretrained(peft: PeftModel, dir: string, options: SavePretrainedOptions = {}): Promise<void> {
  const names = options.selectedAdapters ?? Object.keys(peft.peftConfig);
  for (const n of names)
    if (!Object.hasOwn(peft.peftConfig, n))
      throw new Error(`savePretrained: no adapter '${n}'; adapters: ${Object.keys(peft.peftConfig).join(', ')}`);
  const initialAdapter =
    options.pathInitialModelForWeightConversion === undefined
      ? undefined
      : await readAdapterFiles(options.pathInitialModelForWeightConversion);
  for (const name of names) {
    const folder = name === 'default' ? dir : join(dir, name);
    const files = await saveAdapterFiles(peft, name, {
      initialAdapter,
      baseModelNameOrPath: await basePathFrom(folder, peft.peftConfig[name]!.baseModelNameOrPath),
    });
    await mkdir(folder, { recursive: true });
    await writeFileAtomic(join(folder, ADAPTER_WEIGHTS_NAME), files.weights);
    await writeFileAtomic(join(folder, ADAPTER_CONFIG_NAME), files.config);
  }
}

async function reading<T>(dir: string, name: string, read: (path: string) => Promise<T>): Promise<T> {
  try {
    return await read(pathInside(dir, name, 'adapter file'));
  } catch (err) {
    throw new Error(`loadAdapter: cannot read ${name} in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Reads an adapter folder's two files whole (regular files only; the config is bounded in size). */
export async function readAdapterFiles(dir: string): Promise<AdapterFiles> {
  // one after the other, so a folder missing both names adapter_config.json every time
  const config = await reading(dir, ADAPTER_CONFIG_NAME, (p) => readRegularText(p));
  const weights = await reading(dir, ADAPTER_WEIGHTS_NAME, (p) => readRegularFile(p, Number.MAX_SAFE_INTEGER));
  return { config, weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength) };
}

/**
 * An adapter folder parsed: the config first (bounded, checked), then the weights header first and
 * tensor by tensor by range, so a file of any size loads and a lying header fails before allocating.
 */
export async function readAdapter(dir: string, warn?: (message: string) => void): Promise<ParsedAdapter> {
  const config = parseAdapterConfig(await reading(dir, ADAPTER_CONFIG_NAME, (p) => readRegularText(p)), warn);
  const state = await reading(dir, ADAPTER_WEIGHTS_NAME, (p) => loadSafetensorsFile(p));
  return { config, state };
}

/**
 * A base model folder given relative to the working directory is saved relative to the adapter
 * folder, so that AutoPeftModelForCausalLM finds it from the adapter wherever both are moved.
 */
async function basePathFrom(adapterFolder: string, nameOrPath: string | null): Promise<string | null> {
  if (nameOrPath === null || isAbsolute(nameOrPath)) return nameOrPath;
  const isDir = await stat(nameOrPath).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return isDir ? relative(resolve(adapterFolder), resolve(nameOrPath)) || '.' : nameOrPath;
}

/** PEFT's PeftModel.from_pretrained: the model with the adapter saved in `dir`. */
export async function fromPretrained<M extends Module>(
  model: M,
  dir: string,
  options: LoadAdapterOptions & { adapterName?: string } = {},
): Promise<PeftModel<M>> {
  return peftModelFromParsed(model, await readAdapter(dir, options.warn), options);
}

/**
 * PEFT's AutoPeftModelForCausalLM: reads `base_model_name_or_path` from the adapter folder's
 * config, loads that base model (a relative path is taken from the adapter folder) and the adapter
 * on top of it.
 */
export const AutoPeftModelForCausalLM = {
  async fromPretrained(dir: string, options: LoadAdapterOptions & { adapterName?: string } = {}): Promise<PeftModel<CausalLMModel>> {
    // the config first (bounded), the weights header first and tensor by range, as fromPretrained(model, dir)
    const config = parseAdapterConfig(await reading(dir, ADAPTER_CONFIG_NAME, (p) => readRegularText(p)), options.warn);
    const base = baseModelPath(dir, config.baseModelNameOrPath);
    if (
      !(await stat(base).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      throw new Error(
        `AutoPeftModelForCausalLM: the base model folder ${base} (base_model_name_or_path in ${join(dir, ADAPTER_CONFIG_NAME)}, taken from the adapter folder) does not exist; load the base model yourself and call fromPretrained(model, dir)`,
      );
    }
    const state = await reading(dir, ADAPTER_WEIGHTS_NAME, (p) => loadSafetensorsFile(p));
    let model: CausalLMModel;
    try {
      model = await AutoModelForCausalLM.fromPretrained(base);
    } catch (err) {
      for (const t of state.values()) t.dispose();
      throw err;
    }
    try {
      return peftModelFromParsed(model, { config, state }, options);
    } catch (err) {
      model.dispose();
      throw err;
    }
  },
};

function baseModelPath(dir: string, name: string | null): string {
  if (typeof name !== 'string' || name === '') {
    throw new Error(
      `AutoPeftModelForCausalLM: ${join(dir, ADAPTER_CONFIG_NAME)} has no base_model_name_or_path (got ${JSON.stringify(name ?? null)}); load the base model yourself and call fromPretrained(model, dir)`,
    );
  }
  return isAbsolute(name) ? name : resolve(dir, name);
}

/** PEFT's load_adapter: adds the adapter saved in `dir` under `adapterName`. */
export async function loadAdapter(peft: PeftModel, dir: string, adapterName: string, options: LoadAdapterOptions = {}): Promise<void> {
  loadParsedAdapter(peft, await readAdapter(dir, options.warn), adapterName, options);
}
