import type { FileHandle } from 'node:fs/promises';
import { allocBytes, type ByteSource } from '../io/byte-source.js';
import { openRegularFile } from './folder-files.js';

/** FileHandle.read moves at most 2 GiB a call. */
const MAX_READ = 1 << 30;

/**
 * Positioned reads from a regular file (FIFOs and devices are refused): each range goes straight
 * into its own fresh buffer, and no read passes the size the file had when it was opened.
 */
export async function fileSource(path: string): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await openRegularFile(path);
  } catch (e) {
    throw new Error(`safetensors: cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (e) {
    await handle.close();
    throw e;
  }
  return {
    name: path,
    size,
    async read(position, length) {
      if (!(position >= 0 && length >= 0 && position + length <= size)) {
        throw new Error(`safetensors: read of ${length} bytes at ${position} runs past the ${size}-byte file ${path}`);
      }
      const out = allocBytes(length, `reading ${length} bytes of ${path}`);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, Math.min(length - done, MAX_READ), position + done);
        if (bytesRead === 0)
          throw new Error(
            `safetensors: ${path} ended at ${position + done} bytes, expected ${position + length} (was it truncated while reading?)`,
          );
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}
