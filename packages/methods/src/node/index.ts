/**
 * Adapters as folders on disk, in PEFT's layout: `adapter_config.json` and
 * `adapter_model.safetensors`, a non-default adapter in a subfolder named after it.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSafetensorsFile, pathInside, readRegularFile, readRegularText, writeFileAtomic } from '@peftjs/core/node';
import type { Module } from '@peftjs/core';
import type { PeftModel } from '../peft-model.js';
import {
  ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME, loadParsedAdapter, parseAdapterConfig, peftModelFromParsed, saveAdapterFiles,
  type AdapterFiles, type LoadAdapterOptions, type ParsedAdapter,
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
  for (const n of names) if (!(n in peft.peftConfig)) throw new Error(`savePretrained: no adapter '${n}'; adapters: ${Object.keys(peft.peftConfig).join(', ')}`);
  const initialAdapter = options.pathInitialModelForWeightConversion === undefined ? undefined : await readAdapterFiles(options.pathInitialModelForWeightConversion);
  for (const name of names) {
    const files = await saveAdapterFiles(peft, name, { initialAdapter });
    const folder = name === 'default' ? dir : join(dir, name);
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
  const [config, weights] = await Promise.all([
    reading(dir, ADAPTER_CONFIG_NAME, (p) => readRegularText(p)),
    reading(dir, ADAPTER_WEIGHTS_NAME, (p) => readRegularFile(p, Number.MAX_SAFE_INTEGER)),
  ]);
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

/** PEFT's PeftModel.from_pretrained: the model with the adapter saved in `dir`. */
export async function fromPretrained(model: Module, dir: string, options: LoadAdapterOptions & { adapterName?: string } = {}): Promise<PeftModel> {
  return peftModelFromParsed(model, await readAdapter(dir, options.warn), options);
}

/** PEFT's load_adapter: adds the adapter saved in `dir` under `adapterName`. */
export async function loadAdapter(peft: PeftModel, dir: string, adapterName: string, options: LoadAdapterOptions = {}): Promise<void> {
  loadParsedAdapter(peft, await readAdapter(dir, options.warn), adapterName, options);
}
