import type { Tensor } from '../tensor.js';
import { loadAll, openSafetensors, readSourceHeader, type SafetensorsHandle } from '../io/safetensors-handle.js';
import { safetensorsChunks, type SafetensorsLoadOptions } from '../io/tensors.js';
import { planSafetensors, specOf, type SafetensorsEntry } from '../io/safetensors-layout.js';
import { littleEndianBytes, viewAsDType } from '../io/safetensors-dtypes.js';
import type { SafetensorsFile, SafetensorsTensor } from '../io/safetensors.js';
import { writeFileAtomic } from './atomic-write.js';
import { fileSource } from './file-source.js';

/**
 * Opens a `.safetensors` file lazily, like Python's `safe_open`: the header is read and validated now,
 * each `get(name)` reads that tensor's bytes with a positioned read. Close the handle when done.
 */
export async function openSafetensorsFile(path: string, options: SafetensorsLoadOptions = {}): Promise<SafetensorsHandle> {
  return openSafetensors(await fileSource(path), options);
}

/**
 * Reads a `.safetensors` file into tensors by name: a small read for the header, validated whole,
 * then one positioned read per tensor, so the file is never held in memory beside the tensors.
 */
export async function loadSafetensorsFile(path: string, options: SafetensorsLoadOptions = {}): Promise<Map<string, Tensor>> {
  const handle = await openSafetensorsFile(path, options);
  try {
    return await loadAll(handle);
  } finally {
    await handle.close();
  }
}

/** Reads a `.safetensors` file's stored values (as `readSafetensors` does for bytes), range by range. */
export async function readSafetensorsFile(path: string): Promise<SafetensorsFile> {
  const source = await fileSource(path);
  try {
    const header = await readSourceHeader(source);
    const tensors = new Map<string, SafetensorsTensor>();
    for (const [
      name,
      {
        dtype,
        shape,
        dataOffsets: [begin, end],
      },
    ] of header.tensors) {
      tensors.set(name, { dtype, shape, data: viewAsDType(await source.read(header.dataStart + begin, end - begin), dtype) });
    }
    return { tensors, metadata: header.metadata };
  } finally {
    await source.close();
  }
}

/** Writes stored values (as `writeSafetensors` takes them) to a `.safetensors` file atomically. */
export async function writeSafetensorsFile(
  path: string,
  entries: ReadonlyMap<string, SafetensorsEntry> | Record<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
): Promise<void> {
  const list: [string, SafetensorsEntry][] = entries instanceof Map ? [...entries] : Object.entries(entries);
  const plan = planSafetensors(
    list.map(([name, entry]) => [name, specOf(name, entry)] as const),
    metadata,
  );
  await writeFileAtomic(path, [plan.header, ...plan.tensors.map(({ index }) => littleEndianBytes(list[index]![1].data))]);
}

/**
 * Writes tensors to a `.safetensors` file atomically, streaming: the header, then each tensor read
 * back one at a time. If any tensor fails to read, the previous file stays as it was.
 */
export async function saveSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, safetensorsChunks(tensors, metadata).chunks);
}
