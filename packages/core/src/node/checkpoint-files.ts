import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CheckpointStore } from '../train/checkpoint-store.js';
import { writeFileAtomic } from './atomic-write.js';
import { pathInside, readRegularFile } from './folder-files.js';

/** Names the version folder a checkpoint folder's files live in, once it has been saved over. */
export const CHECKPOINT_POINTER = 'CURRENT';
const VERSION_PREFIX = '.v-';
/** The largest checkpoint file read (weights and optimizer state of big models are large). */
const MAX_CHECKPOINT_FILE = Number.MAX_SAFE_INTEGER;

export interface FileCheckpointStoreOptions {
  /**
   * Called at each point where a crash may land: after each file is written and before it is
   * renamed, before a folder is renamed into place, before the pointer moves. Crash-consistency
   * tests stop the process there.
   */
  onCommitPoint?: (point: string) => void | Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** fsync of a folder, so the renames in it survive a power loss. */
async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The version folder `dir`'s pointer names, or null for a folder written once (files at the top). */
async function currentVersion(dir: string): Promise<string | null> {
  const pointer = join(dir, CHECKPOINT_POINTER);
  if (!(await exists(pointer))) return null;
  const name = (await readRegularFile(pointer, 256)).toString('utf8').trim();
  if (!name.startsWith(VERSION_PREFIX) || name.includes('/') || name.includes('\\'))
    throw new Error(`checkpoint: ${pointer} names ${JSON.stringify(name)}, not a version folder`);
  return name;
}

/** Removes what interrupted saves left: temporary siblings of `dir`, and version folders the pointer does not name. */
async function removeStale(dir: string, keep: ReadonlySet<string>): Promise<void> {
  const parent = dirname(dir);
  const prefix = `.${basename(dir)}.`;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (name.startsWith(prefix) && (name.endsWith('.tmp') || name.endsWith('.old')))
      await rm(join(parent, name), { recursive: true, force: true });
  }
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(VERSION_PREFIX) && !keep.has(name)) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Checkpoints as folders on disk, written so that a crash at any moment leaves the previous
 * checkpoint or the complete new one, never a part and never neither:
 *
 * - A fresh folder is written whole under a temporary name beside it (each file flushed, then the
 *   folder) and renamed into place.
 * - Saving over an existing checkpoint writes a new version folder inside it (`.v-<id>`), flushes
 *   it, then replaces the `CURRENT` pointer file with one atomic rename: that rename is the commit.
 *   Files of the previous version are removed only after it.
 *
 * The next save cleans up what an interrupted one left (temporary folders, uncommitted versions).
 */
export function fileCheckpointStore(options: FileCheckpointStoreOptions = {}): CheckpointStore {
  const point = async (name: string) => options.onCommitPoint?.(name);
  const writeFiles = async (folder: string, files: ReadonlyMap<string, Uint8Array | string>) => {
    for (const [name, data] of files) {
      pathInside(folder, name, 'checkpoint file');
      await writeFileAtomic(join(folder, name), data, { beforeRename: () => point(`file ${name}`) });
    }
    await syncFolder(folder);
  };
  return {
    async write(dir, files) {
      if (files.has(CHECKPOINT_POINTER)) throw new Error(`checkpoint: a file may not be named ${CHECKPOINT_POINTER}`);
      const parent = dirname(dir);
      await mkdir(parent, { recursive: true });
      const id = randomBytes(6).toString('hex');
      if (!(await exists(dir))) {
        await removeStale(dir, new Set());
        const temporary = join(parent, `.${basename(dir)}.${id}.tmp`);
        await mkdir(temporary);
        try {
          await writeFiles(temporary, files);
          await point('rename folder');
          await rename(temporary, dir);
          await syncFolder(parent);
        } catch (e) {
          await rm(temporary, { recursive: true, force: true });
          throw e;
        }
        return;
      }
      const previous = await currentVersion(dir);
      await removeStale(dir, new Set(previous ? [previous] : []));
      const version = `${VERSION_PREFIX}${id}`;
      const staging = join(dir, `${version}.tmp`);
      await mkdir(staging);
      try {
        await writeFiles(staging, files);
        await point('rename version');
        await rename(staging, join(dir, version));
        await syncFolder(dir);
        await writeFileAtomic(join(dir, CHECKPOINT_POINTER), `${version}\n`, { beforeRename: () => point('move pointer') });
        await syncFolder(dir);
      } catch (e) {
        await rm(staging, { recursive: true, force: true });
        throw e;
      }
      // committed: what the old version held goes
      await point('cleanup');
      if (previous) await rm(join(dir, previous), { recursive: true, force: true });
      for (const name of await readdir(dir)) {
        if (name !== CHECKPOINT_POINTER && name !== version) await rm(join(dir, name), { recursive: true, force: true });
      }
    },
    async read(dir, name) {
      try {
        const version = await currentVersion(dir);
        return await readRegularFile(pathInside(version ? join(dir, version) : dir, name, 'checkpoint file'), MAX_CHECKPOINT_FILE);
      } catch (e) {
        throw new Error(`checkpoint: cannot read ${name} in ${dir}: ${(e as Error).message}`);
      }
    },
  };
}
