import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/package-tests/src/workspace.ts). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface WorkspacePackage {
  name: string;
  version: string;
  dir: string;
}

interface Manifest {
  name?: string;
  version?: string;
  private?: boolean;
  workspaces?: string[];
  devDependencies?: Record<string, string>;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** Every workspace folder (the root's `workspaces`: plain folders and `folder/*`). */
export function workspaceDirs(): string[] {
  const patterns = readManifest(repoRoot).workspaces ?? [];
  return patterns
    .flatMap((pattern) => {
      if (!pattern.endsWith('/*')) return [join(repoRoot, pattern)];
      const parent = join(repoRoot, pattern.slice(0, -2));
      return existsSync(parent)
        ? readdirSync(parent, { withFileTypes: true })
            .filter((d) => d.isDirectory())
            .map((d) => join(parent, d.name))
        : [];
    })
    .filter((dir) => existsSync(join(dir, 'package.json')));
}

/** The packages a user can install: every workspace package not marked private. */
export function publishablePackages(): WorkspacePackage[] {
  return workspaceDirs()
    .map((dir) => ({ dir, manifest: readManifest(dir) }))
    .filter(({ manifest }) => !manifest.private && manifest.name)
    .map(({ dir, manifest }) => ({ name: manifest.name!, version: manifest.version ?? '0.0.0', dir }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** This package's devDependencies: turbo builds exactly those before the test runs. */
export function builtBeforeThisTest(): Set<string> {
  return new Set(Object.keys(readManifest(fileURLToPath(new URL('..', import.meta.url))).devDependencies ?? {}));
}

/** The version the workspace pins for a third-party tool (root devDependencies, else this package's). */
export function pinnedVersion(name: string): string {
  const own = readManifest(fileURLToPath(new URL('..', import.meta.url))).devDependencies ?? {};
  const version = readManifest(repoRoot).devDependencies?.[name] ?? own[name];
  if (!version) throw new Error(`package-tests: no pinned version of ${name} in the workspace`);
  return version;
}
