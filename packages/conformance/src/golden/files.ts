/**
 * File access for the golden vectors. node:fs and node:path are imported dynamically inside these
 * functions, so the rest of the package bundles for any platform.
 */
type Env = Record<string, string | undefined>;

function nodeProcess(): { env: Env; cwd(): string } | undefined {
  return (globalThis as { process?: { env: Env; cwd(): string } }).process;
}

export interface GoldenLocation {
  dir: string;
  /** How it was found: the env var, the goldenDir option, or a walk up from the cwd. */
  source: 'PEFTJS_GOLDEN_DIR' | 'option' | 'search';
}

/**
 * The golden folder: `explicit` when given, else PEFTJS_GOLDEN_DIR, else the first
 * `<dir>/../shared/golden` or `<dir>/shared/golden` walking up from the cwd. Throws when none exists.
 */
export async function locateGoldenDir(explicit?: string): Promise<GoldenLocation> {
  const proc = nodeProcess();
  if (!proc) throw new Error('golden: no file system here; pass goldenDir only where Node is available');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const isDir = (p: string) => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const given = explicit ?? proc.env.PEFTJS_GOLDEN_DIR;
  if (given) {
    const source = explicit ? 'option' : 'PEFTJS_GOLDEN_DIR';
    const what = explicit ? 'goldenDir' : 'PEFTJS_GOLDEN_DIR';
    if (!isDir(given)) throw new Error(`golden: ${what} is ${given}, which is not a directory`);
    return { dir: given, source };
  }
  let dir = path.resolve(proc.cwd());
  const tried: string[] = [];
  for (;;) {
    for (const candidate of [path.join(dir, '..', 'shared', 'golden'), path.join(dir, 'shared', 'golden')]) {
      tried.push(candidate);
      if (isDir(candidate)) return { dir: path.normalize(candidate), source: 'search' };
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `golden: no golden vectors found. Set PEFTJS_GOLDEN_DIR to the folder holding ops/index.json, or run from ` +
      `a folder with shared/golden above it (looked for shared/golden and ../shared/golden from ${proc.cwd()} up)`,
  );
}

export async function readGoldenBytes(dir: string, ...parts: string[]): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const file = path.join(dir, ...parts);
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (e) {
    throw new Error(`golden: cannot read ${file}: ${(e as Error).message}`);
  }
}

export async function readGoldenJson(dir: string, ...parts: string[]): Promise<unknown> {
  const bytes = await readGoldenBytes(dir, ...parts);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`golden: ${parts.join('/')} in ${dir} is not valid JSON: ${(e as Error).message}`);
  }
}
