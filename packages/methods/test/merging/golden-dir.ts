import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * The golden vectors folder: PEFTJS_GOLDEN_DIR, else the first `shared/golden` or `../shared/golden`
 * found walking up from the working directory; undefined when there is none (tests then skip).
 */
export function findGoldenDir(): string | undefined {
  const given = process.env.PEFTJS_GOLDEN_DIR;
  if (given) {
    if (!isDir(given)) throw new Error(`golden: PEFTJS_GOLDEN_DIR is ${given}, which is not a directory`);
    return given;
  }
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    for (const candidate of [join(dir, 'shared', 'golden'), join(dir, '..', 'shared', 'golden')]) {
      if (isDir(candidate)) return resolve(candidate);
    }
    if (dirname(dir) === dir) return undefined;
  }
}
