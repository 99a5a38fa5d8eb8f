import { readFile } from 'node:fs/promises';
import type { Tensor } from '../tensor.js';
import { loadSafetensors, saveSafetensors, type SafetensorsLoadOptions } from '../io/tensors.js';
import { writeFileAtomic } from './atomic-write.js';

/** Reads a `.safetensors` file into tensors by name. */
export async function loadSafetensorsFile(path: string, options: SafetensorsLoadOptions = {}): Promise<Map<string, Tensor>> {
  return loadSafetensors(await readFile(path), options);
}

/** Writes tensors to a `.safetensors` file atomically. */
export async function saveSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, await saveSafetensors(tensors, metadata));
}
