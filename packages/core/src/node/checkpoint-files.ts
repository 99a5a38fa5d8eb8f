import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CheckpointStore } from '../train/checkpoint-store.js';
import { writeFileAtomic } from './atomic-write.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Checkpoints as folders on disk. A checkpoint is written whole into a temporary folder beside
 * `dir` (each file flushed) and then renamed to `dir`, so a reader finds the old checkpoint or
 * the complete new one, never a part. An older checkpoint at `dir` is moved aside first and removed
 * after the rename.
 */
export function fileCheckpointStore(): CheckpointStore {
  return {
    async write(dir, files) {
      const parent = dirname(dir);
      await mkdir(parent, { recursive: true });
      const suffix = randomBytes(6).toString('hex');
      const temporary = join(parent, `.${basename(dir)}.${suffix}.tmp`);
      await mkdir(temporary);
      try {
        for (const [name, data] of files) await writeFileAtomic(join(temporary, name), data);
        const old = join(parent, `.${basename(dir)}.${suffix}.old`);
        const hadOld = await exists(dir);
        if (hadOld) await rename(dir, old);
        await rename(temporary, dir);
        if (hadOld) await rm(old, { recursive: true, force: true });
      } catch (e) {
        await rm(temporary, { recursive: true, force: true });
        throw e;
      }
    },
    async read(dir, name) {
      try {
        return await readFile(join(dir, name));
      } catch (e) {
        throw new Error(`checkpoint: cannot read ${name} in ${dir}: ${(e as Error).message}`);
      }
    },
  };
}
