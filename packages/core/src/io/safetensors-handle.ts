/**
 * A lazy view of a safetensors file, like `safe_open` of the Python library: the header is read and
 * validated once, then each `get` reads just that tensor's bytes. Sharded models load one tensor at a
 * time through it, never holding a whole file in memory.
 */
import type { Tensor } from '../tensor.js';
import type { ByteSource } from './byte-source.js';
import { viewAsDType } from './safetensors-dtypes.js';
import {
  fail,
  parseSafetensorsHeader,
  readHeaderLength,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from './safetensors-header.js';
import type { SafetensorsTensor } from './safetensors.js';
import { tensorFromSafetensors, type SafetensorsLoadOptions } from './tensors.js';

export interface SafetensorsHandle {
  readonly metadata: Record<string, string>;
  /** Tensor names in the header's order. */
  keys(): string[];
  /** A tensor's stored dtype, shape and byte range, without reading it. */
  info(name: string): SafetensorsTensorInfo;
  /** A tensor's stored values (typed array by dtype, as `readSafetensors` gives them). */
  read(name: string): Promise<SafetensorsTensor>;
  /** A tensor (dtypes mapped as `tensorFromSafetensors` does, with the options given to open). */
  get(name: string): Promise<Tensor>;
  close(): Promise<void>;
}

/** Reads and validates the header of `source`; the whole header is checked before any tensor is read. */
export async function readSourceHeader(source: ByteSource): Promise<SafetensorsHeader> {
  if (source.size < 8) fail(`${source.name} is ${source.size} bytes, shorter than the 8-byte header length`);
  const n = readHeaderLength(await source.read(0, 8), source.size);
  return parseSafetensorsHeader(await source.read(8, n), source.size - 8 - n);
}

/** Opens `source` lazily; closing the handle closes the source. */
export async function openSafetensors(source: ByteSource, options: SafetensorsLoadOptions = {}): Promise<SafetensorsHandle> {
  let header: SafetensorsHeader;
  try {
    header = await readSourceHeader(source);
  } catch (e) {
    await source.close();
    throw e;
  }
  let closed = false;
  const info = (name: string): SafetensorsTensorInfo => {
    if (closed) fail(`${source.name} is closed`);
    const found = header.tensors.get(name);
    if (found) return found;
    const names = [...header.tensors.keys()];
    const some =
      names
        .slice(0, 5)
        .map((k) => `'${k}'`)
        .join(', ') + (names.length > 5 ? ', ...' : '');
    return fail(`no tensor '${name}' in ${source.name} (it holds ${names.length}${names.length ? `: ${some}` : ''})`);
  };
  const read = async (name: string): Promise<SafetensorsTensor> => {
    const {
      dtype,
      shape,
      dataOffsets: [begin, end],
    } = info(name);
    const bytes = await source.read(header.dataStart + begin, end - begin);
    return { dtype, shape: [...shape], data: viewAsDType(bytes, dtype) };
  };
  return {
    metadata: header.metadata,
    keys: () => [...header.tensors.keys()],
    info: (name) => {
      const { dtype, shape, dataOffsets } = info(name);
      return { dtype, shape: [...shape], dataOffsets: [...dataOffsets] };
    },
    read,
    get: async (name) => tensorFromSafetensors(name, await read(name), options),
    async close() {
      if (closed) return;
      closed = true;
      await source.close();
    },
  };
}

/** Every tensor of an open handle; on failure the tensors made so far are disposed. */
export async function loadAll(handle: SafetensorsHandle): Promise<Map<string, Tensor>> {
  const out = new Map<string, Tensor>();
  try {
    for (const name of handle.keys()) out.set(name, await handle.get(name));
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}
