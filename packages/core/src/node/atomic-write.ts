import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** What `writeFileAtomic` writes: bytes, text, or chunks produced one after another. */
export type AtomicWriteData = Uint8Array | string | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let done = 0; done < chunk.length;) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
}

/**
 * Writes `data` to `path` so that readers see the old file or the whole new one, never a part:
 * the bytes go to a temporary file beside it, are flushed to disk, then renamed over `path`. If
 * producing or writing the data fails, the temporary file is removed and `path` is untouched.
 */
export async function writeFileAtomic(
  path: string,
  data: AtomicWriteData,
  options: { beforeRename?: () => void | Promise<void> } = {},
): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else for await (const chunk of data) await writeAll(handle, chunk);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await options.beforeRename?.();
    await rename(temporary, path);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}
