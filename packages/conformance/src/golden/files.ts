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
  /** How it was found: the env var, the goldenDir option, or the copy committed with this package. */
  source: 'PEFTJS_GOLDEN_DIR' | 'option' | 'package';
}

/**
 * The golden folder: `explicit` when given, else PEFTJS_GOLDEN_DIR, else the `golden/` folder of this
 * package (committed in the repository: the nearest folder above this module that has a package.json).
 * Throws when the folder named does not exist.
 */
export async function locateGoldenDir(explicit?: string): Promise<GoldenLocation> {
  const proc = nodeProcess();
  if (!proc) throw new Error('golden: no file system here; pass goldenDir only where Node is available');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { fileURLToPath } = await import('node:url');
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
    return { dir: path.resolve(given), source };
  }
  // Sources (src/golden/files.ts) and the bundle (dist/*.js) sit at different depths: walk up to the package root.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const packaged = path.join(dir, 'golden');
  if (isDir(packaged)) return { dir: packaged, source: 'package' };
  throw new Error(
    `golden: no golden vectors at ${packaged} (the published package does not carry them). ` +
      'Set PEFTJS_GOLDEN_DIR (or pass goldenDir) to a folder holding ops/index.json and peft/index.json',
  );
}

/**
 * Thrown by a GoldenSource when the file does not exist (and only then): optional golden files
 * (merged.safetensors, extras.safetensors) are absent for some cases, and any other failure to read
 * one must fail the case instead of looking like an absent file.
 */
export class GoldenFileMissingError extends Error {
  override readonly name = 'GoldenFileMissingError';
}

/** Whether `err` says a golden file does not exist (by name, so it works across bundled copies). */
export function isGoldenFileMissing(err: unknown): boolean {
  return err instanceof Error && err.name === 'GoldenFileMissingError';
}

/**
 * Where the golden files come from: paths are relative to the golden folder, with `/` separators
 * (`ops/index.json`). The default reads the Node file system; a browser page passes one that fetches.
 */
export interface GoldenSource {
  /** Shown in reports and errors (a folder, a URL). */
  readonly location: string;
  /** Throws GoldenFileMissingError when the file does not exist, another Error when it cannot be read. */
  readBytes(relPath: string): Promise<Uint8Array>;
  readText(relPath: string): Promise<string>;
}

/** Golden files from a folder on the Node file system. */
export function nodeGoldenSource(dir: string): GoldenSource {
  const readBytes = async (relPath: string): Promise<Uint8Array> => {
    const fs = await import('node:fs/promises');
    const path = await import('node:path');
    const file = path.join(dir, ...relPath.split('/'));
    try {
      return new Uint8Array(await fs.readFile(file));
    } catch (e) {
      const message = `golden: cannot read ${file}: ${(e as Error).message}`;
      throw (e as { code?: string }).code === 'ENOENT' ? new GoldenFileMissingError(message) : new Error(message);
    }
  };
  return { location: dir, readBytes, readText: async (relPath) => new TextDecoder().decode(await readBytes(relPath)) };
}

export async function readGoldenJson(source: GoldenSource, relPath: string): Promise<unknown> {
  const text = await source.readText(relPath);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`golden: ${relPath} in ${source.location} is not valid JSON: ${(e as Error).message}`);
  }
}
