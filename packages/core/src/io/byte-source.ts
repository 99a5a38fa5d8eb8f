/**
 * Random access to a file's bytes, so a reader fetches the header first and then one tensor's range
 * at a time: from bytes in memory, a Blob/File (`slice`), or (in `@peftjs/core/node`) a file handle.
 */
import { fail } from './safetensors-header.js';

export interface ByteSource {
  /** Names the source in errors: a path, "Blob", "bytes". */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Exactly `length` bytes at `position`, in a fresh Uint8Array that owns its whole buffer. */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A fresh buffer of `length` bytes, or a `safetensors:` error when the runtime cannot allocate it. */
export function allocBytes(length: number, what: string): Uint8Array {
  try {
    return new Uint8Array(length);
  } catch (e) {
    return fail(`${what} needs ${length} bytes, more than this runtime can allocate (${(e as Error).message})`);
  }
}

export function bytesSource(bytes: Uint8Array, name = 'bytes'): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (position, length) => Uint8Array.prototype.slice.call(bytes, position, position + length),
    close: async () => undefined,
  };
}

export function blobSource(
  blob: Blob,
  name = typeof File !== 'undefined' && blob instanceof File ? `File '${blob.name}'` : 'Blob',
): ByteSource {
  return {
    name,
    size: blob.size,
    async read(position, length) {
      const out = new Uint8Array(await blob.slice(position, position + length).arrayBuffer());
      if (out.length !== length)
        fail(`${name} gave ${out.length} bytes at ${position}, expected ${length} (was it changed while reading?)`);
      return out;
    },
    close: async () => undefined,
  };
}
