import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A package.json as far as the checks read it. */
export interface Manifest {
  name?: string;
  version?: string;
  private?: boolean;
  description?: string;
  license?: string;
  keywords?: unknown;
  homepage?: unknown;
  bugs?: unknown;
  repository?: unknown;
  main?: string;
  types?: string;
  exports?: unknown;
  bin?: string | Record<string, string>;
  files?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
}

export interface WorkspacePackage {
  /** The folder, relative to the repository root with '/' separators (packages/core). */
  readonly dir: string;
  readonly manifest: Manifest;
}

/** The repository root: the nearest folder above this module whose package.json has workspaces. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && readManifest(file).workspaces) return dir;
    if (dirname(dir) === dir) throw new Error('release-checks: no package.json with "workspaces" above this module');
    dir = dirname(dir);
  }
}

export function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/** Every workspace package the root's `workspaces` patterns name ("packages/*" or a plain folder). */
export function workspacePackages(root = repositoryRoot()): WorkspacePackage[] {
  const patterns = readManifest(join(root, 'package.json')).workspaces ?? [];
  const dirs = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    return readdirSync(parent, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(parent, e.name));
  });
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir: relative(root, dir).split('\\').join('/'), manifest: readManifest(join(dir, 'package.json')) }))
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/** The packages that would be published: every workspace package not marked private. */
export function publishablePackages(root = repositoryRoot()): WorkspacePackage[] {
  return workspacePackages(root).filter((p) => p.manifest.private !== true);
}
