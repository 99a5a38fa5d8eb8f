/**
 * Adapters as folders on disk, in PEFT's layout: `adapter_config.json` and
 * `adapter_model.safetensors`, a non-default adapter in a subfolder named after it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@peftjs/core/node';
import type { Module } from '@peftjs/core';
import type { PeftModel } from '../peft-model.js';
import {
  ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME, loadAdapterFiles, peftModelFromFiles, saveAdapterFiles, type AdapterFiles, type LoadAdapterOptions,
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

/** Reads an adapter folder's two files. */
export async function readAdapterFiles(dir: string): Promise<AdapterFiles> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch (err) {
      throw new Error(`loadAdapter: cannot read ${name} in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const [config, weights] = await Promise.all([read(ADAPTER_CONFIG_NAME), read(ADAPTER_WEIGHTS_NAME)]);
  return { config: config.toString('utf8'), weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength) };
}

/** PEFT's PeftModel.from_pretrained: the model with the adapter saved in `dir`. */
export async function fromPretrained(model: Module, dir: string, options: LoadAdapterOptions & { adapterName?: string } = {}): Promise<PeftModel> {
  return peftModelFromFiles(model, await readAdapterFiles(dir), options);
}

/** PEFT's load_adapter: adds the adapter saved in `dir` under `adapterName`. */
export async function loadAdapter(peft: PeftModel, dir: string, adapterName: string, options: LoadAdapterOptions = {}): Promise<void> {
  loadAdapterFiles(peft, await readAdapterFiles(dir), adapterName, options);
}
