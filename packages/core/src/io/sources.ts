/**
 * `loadSafetensorsFrom`: tensors from wherever a browser (or Node) has the file: bytes, a Blob or File
 * (read range by range), or a fetch Response (read as it streams in).
 */
import type { Tensor } from '../tensor.js';
import { blobSource } from './byte-source.js';
import { fail } from './safetensors-header.js';
import { loadAll, openSafetensors, type SafetensorsHandle } from './safetensors-handle.js';
import { readSafetensorsStream } from './safetensors-stream.js';
import { loadSafetensors, tensorFromSafetensors, type SafetensorsLoadOptions } from './tensors.js';

export type SafetensorsSource = ArrayBuffer | ArrayBufferView | Blob | Response;

const isResponse = (x: unknown): x is Response => typeof Response !== 'undefined' && x instanceof Response;
const isBlob = (x: unknown): x is Blob => typeof Blob !== 'undefined' && x instanceof Blob;

/** Opens a Blob or File lazily (header now, each tensor on `get`), like `openSafetensorsFile` in Node. */
export function openSafetensorsBlob(blob: Blob, options: SafetensorsLoadOptions = {}): Promise<SafetensorsHandle> {
  if (!isBlob(blob)) fail(`openSafetensorsBlob: expected a Blob or File, got ${Object.prototype.toString.call(blob)}`);
  return openSafetensors(blobSource(blob), options);
}

async function loadResponse(response: Response, options: SafetensorsLoadOptions): Promise<Map<string, Tensor>> {
  const name = response.url ? `response from ${response.url}` : 'response';
  if (!response.ok) fail(`${name} has status ${response.status} ${response.statusText}`.trimEnd());
  if (response.bodyUsed) fail(`${name}: its body was already read`);
  if (!response.body) fail(`${name} has no body`);
  const out = new Map<string, Tensor>();
  try {
    await readSafetensorsStream(response.body, name, (key, stored) => out.set(key, tensorFromSafetensors(key, stored, options)));
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

/**
 * Tensors by name from safetensors bytes (ArrayBuffer or a typed array), a Blob/File or a fetch
 * Response. Malformed input throws a `safetensors: ...` error and leaves no tensors behind.
 */
export async function loadSafetensorsFrom(source: SafetensorsSource, options: SafetensorsLoadOptions = {}): Promise<Map<string, Tensor>> {
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes =
      source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return loadSafetensors(bytes, options);
  }
  if (isResponse(source)) return loadResponse(source, options);
  if (isBlob(source)) {
    const handle = await openSafetensorsBlob(source, options);
    try {
      return await loadAll(handle);
    } finally {
      await handle.close();
    }
  }
  return fail(
    `loadSafetensorsFrom: expected an ArrayBuffer, a typed array, a Blob/File or a Response, got ${Object.prototype.toString.call(source)}`,
  );
}
