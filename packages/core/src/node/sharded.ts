import { join } from 'node:path';
import type { Tensor } from '../tensor.js';
import type { SafetensorsLoadOptions } from '../io/tensors.js';
import { openSafetensorsFile } from './safetensors-file.js';
import { pathInside, readRegularText } from './folder-files.js';

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

/** The `weight_map` of a Hugging Face sharded-checkpoint index: tensor name -> shard file, in file order. */
async function readWeightMap(dir: string, indexPath: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readRegularText(indexPath);
  } catch (e) {
    return fail(`cannot read the index ${indexPath}: ${(e as Error).message}`);
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (e) {
    return fail(`index ${indexPath} is not valid JSON (${(e as Error).message})`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (weightMap === null || typeof weightMap !== 'object' || Array.isArray(weightMap)) {
    fail(`index ${indexPath} needs a "weight_map" object of tensor name -> shard file, got ${JSON.stringify(weightMap) ?? 'nothing'}`);
  }
  const out = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '')
      fail(`index ${indexPath}: weight_map['${name}'] must be a shard file name, got ${JSON.stringify(shard)}`);
    try {
      pathInside(dir, shard, 'shard');
    } catch {
      fail(`index ${indexPath}: weight_map['${name}'] points outside the checkpoint folder: ${JSON.stringify(shard)}`);
    }
    out.set(name, shard);
  }
  return out;
}

/**
 * Loads a sharded checkpoint (Hugging Face's `model.safetensors.index.json` next to its shards): opens
 * one shard at a time and reads just the tensors its `weight_map` assigns to it. A missing shard or a
 * tensor missing from its shard is an error naming both; on any error no tensors are left behind.
 */
export async function loadShardedSafetensors(
  dir: string,
  indexFile = 'model.safetensors.index.json',
  options: SafetensorsLoadOptions = {},
): Promise<Map<string, Tensor>> {
  const indexPath = join(dir, indexFile);
  const weightMap = await readWeightMap(dir, indexPath);
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of weightMap) byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
  const loaded = new Map<string, Tensor>();
  try {
    for (const [shard, names] of byShard) {
      const path = pathInside(dir, shard, 'shard');
      const handle = await openSafetensorsFile(path, options).catch((e: Error) =>
        fail(
          `shard ${shard} (listed in ${indexFile} for ${names.length} tensors, e.g. '${names[0]}') cannot be read: ${e.message.replace(/^safetensors: /, '')}`,
        ),
      );
      try {
        const present = new Set(handle.keys());
        const missing = names.filter((n) => !present.has(n));
        if (missing.length > 0) {
          fail(
            `${indexFile} lists ${missing
              .map((n) => `'${n}'`)
              .slice(0, 5)
              .join(
                ', ',
              )}${missing.length > 5 ? ', ...' : ''} in shard ${shard}, which does not hold ${missing.length === 1 ? 'it' : `these ${missing.length} tensors`}`,
          );
        }
        for (const name of names) loaded.set(name, await handle.get(name));
      } finally {
        await handle.close();
      }
    }
  } catch (e) {
    for (const t of loaded.values()) t.dispose();
    throw e;
  }
  // in the index's order, as transformers lists them
  return new Map([...weightMap.keys()].map((name) => [name, loaded.get(name)!]));
}
