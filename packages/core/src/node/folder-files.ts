/**
 * Opening files named by an untrusted folder (a downloaded model or adapter): every name must stay
 * inside the folder after `..` is resolved, and only regular files are read, so a name cannot reach
 * `/etc/passwd` and a FIFO or `/dev/zero` cannot hang a load or fill memory.
 *
 * Symlinks inside the folder are followed (Hugging Face's cache builds snapshot folders from links
 * into its blob store); whoever can put a link in the folder could also put the file there. The
 * file a link reaches must still be a regular file.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Text files a loader reads whole (configs, indexes, states) are refused past this size. */
export const MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024;

/** The absolute path of `name` in `dir`; throws when the name is absolute or climbs out with `..`. */
export function pathInside(dir: string, name: string, what = 'file'): string {
  if (typeof name !== 'string' || name === '' || name.includes('\0')) {
    throw new Error(`${what} name must be a non-empty string without NUL, got ${JSON.stringify(name)}`);
  }
  const root = resolve(dir);
  const path = resolve(root, name);
  const rel = relative(root, path);
  if (isAbsolute(name) || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new Error(`${what} ${JSON.stringify(name)} is outside the folder ${dir}`);
  }
  return path;
}

/**
 * Opens `path` for reading if it is a regular file. O_NONBLOCK keeps opening a FIFO from waiting for
 * a writer; the check runs on the opened handle, so the file cannot be swapped between check and read.
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${path} is not a regular file (${kindOf(info)}); only regular files are read`);
    return handle;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

function kindOf(info: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}

/** A regular file's bytes, refused when larger than `maxBytes`; reads at most the size it had when opened. */
export async function readRegularFile(path: string, maxBytes = MAX_TEXT_FILE_BYTES): Promise<Buffer> {
  const handle = await openRegularFile(path);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new Error(`${path} is ${size} bytes, more than the ${maxBytes} allowed for this file`);
    const out = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(out, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === size ? out : out.subarray(0, done);
  } finally {
    await handle.close();
  }
}

/** A regular file's UTF-8 text (see readRegularFile). */
export async function readRegularText(path: string, maxBytes = MAX_TEXT_FILE_BYTES): Promise<string> {
  return (await readRegularFile(path, maxBytes)).toString('utf8');
}
