import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COPY_LICENSE,
  LICENSE,
  REPOSITORY,
  entryPoints,
  manifestProblems,
  missingFromTarball,
  packedFiles,
  publishablePackages,
  readManifest,
  repositoryRoot,
  workspacePackages,
} from '../src/index.js';

const root = repositoryRoot();
const packages = publishablePackages(root);

describe('the checks themselves', () => {
  it('name every field a package forgets, with the value found', () => {
    const problems = manifestProblems({
      dir: 'packages/new',
      manifest: { name: '@peftjs/new', license: 'MIT', repository: 'peftjs/peft.js' },
    });
    expect(problems).toEqual([
      '@peftjs/new: "description" must be a sentence saying what the package is, got undefined',
      '@peftjs/new: "license" must be "Apache-2.0", got "MIT"',
      '@peftjs/new: "keywords" must be a non-empty array of words, got undefined',
      `@peftjs/new: "homepage" must be an address under ${REPOSITORY.web}, got undefined`,
      `@peftjs/new: "bugs" must be { "url": "${REPOSITORY.issues}" }, got undefined`,
      `@peftjs/new: "repository" must be { "type": "git", "url": "${REPOSITORY.url}", "directory": "packages/new" }, got "peftjs/peft.js"`,
      `@peftjs/new: "scripts.prepack" must be "${COPY_LICENSE}" (npm packs only the package folder's own LICENSE), got undefined`,
      '@peftjs/new: "exports" must be at least one built entry point, got undefined',
    ]);
  });

  it('read every entry point of main, types, exports (subpaths and conditions) and bin', () => {
    const manifest = {
      main: './dist/index.js',
      types: './dist/index.d.ts',
      bin: { tool: './dist/cli.js' },
      exports: {
        '.': { types: './dist/index.d.ts', import: './dist/index.js' },
        './node': { types: './dist/node/index.d.ts', import: './dist/node/index.js' },
        './*': './dist/*.js',
      },
    };
    expect(entryPoints(manifest)).toEqual([
      'dist/cli.js',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/node/index.d.ts',
      'dist/node/index.js',
    ]);
    expect(missingFromTarball(['README.md', 'dist/index.js', 'package.json'], ['dist/index.js', 'dist/index.d.ts'])).toEqual([
      'LICENSE',
      'dist/index.d.ts',
    ]);
  });
});

describe('the repository', () => {
  it('has the full Apache-2.0 text in LICENSE, as the package.json files declare', () => {
    const text = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s/);
    for (const heading of [
      'TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION',
      '9. Accepting Warranty or Additional Liability.',
      'END OF TERMS AND CONDITIONS',
    ]) {
      expect(text).toContain(heading);
    }
    expect(readManifest(join(root, 'package.json')).license).toBe(LICENSE);
    for (const p of workspacePackages(root)) expect(p.manifest.license, p.dir).toBe(LICENSE);
  });

  it('has an .npmrc with no key npm does not know (the onnxruntime-node switch is the ONNXRUNTIME_NODE_INSTALL variable)', () => {
    const npmrc = join(root, '.npmrc');
    if (existsSync(npmrc)) expect(readFileSync(npmrc, 'utf8')).not.toMatch(/onnxruntime/);
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/^export ONNXRUNTIME_NODE_INSTALL=skip$/m);
  });
});

describe('every publishable package', () => {
  it('is found: the workspaces hold the packages the project publishes', () => {
    const names = packages.map((p) => p.manifest.name);
    console.log(`publishable packages: ${names.join(', ')}`);
    expect(names).toEqual(
      expect.arrayContaining([
        '@peftjs/core',
        '@peftjs/backend-cpu',
        '@peftjs/data',
        '@peftjs/datasets',
        '@peftjs/methods',
        '@peftjs/models',
      ]),
    );
  });

  it('has a description, keywords, homepage, bugs, repository with its directory, and the prepack that copies LICENSE', () => {
    expect(packages.flatMap(manifestProblems)).toEqual([]);
    const descriptions = packages.map((p) => p.manifest.description);
    expect(new Set(descriptions).size).toBe(descriptions.length);
  });

  it('is built before these checks run (a devDependency of this package, so turbo builds it first)', () => {
    const own = readManifest(join(root, 'packages', 'release-checks', 'package.json')).devDependencies ?? {};
    expect(packages.map((p) => p.manifest.name).filter((n) => !(n! in own))).toEqual([]);
  });

  describe('npm pack --dry-run', () => {
    let files: Map<string, string[]>;
    beforeAll(async () => {
      files = await packedFiles(
        root,
        packages.map((p) => p.dir),
      );
    }, 120_000);

    it('lists LICENSE, README.md and every built entry point in each tarball', () => {
      const missing = packages.flatMap((p) => {
        const listed = files.get(p.manifest.name!);
        if (!listed) return [`${p.manifest.name}: npm pack reported nothing`];
        return missingFromTarball(listed, entryPoints(p.manifest)).map((f) => `${p.manifest.name}: ${f}`);
      });
      expect(missing).toEqual([]);
    });

    it('packs the repository LICENSE itself into each one', () => {
      const license = readFileSync(join(root, 'LICENSE'), 'utf8');
      for (const p of packages) expect(readFileSync(join(root, p.dir, 'LICENSE'), 'utf8') === license, p.dir).toBe(true);
    });
  });
});
