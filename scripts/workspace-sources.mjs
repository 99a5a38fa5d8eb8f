// The one map from each workspace package's public entry points to its sources. Type-checking (the
// `paths` of every package tsconfig.json that has them, generated from it) and the tests (vitest
// aliases, `sourceAliases()`) resolve `@peftjs/<name>[/<entry>]` through it, so a package's tests run
// against the sources of the packages it uses with no build first. An entry is each `exports`
// subpath of a package.json: `./dist/X.js` is built from `./src/X.ts`.
//
//   node scripts/workspace-sources.mjs --write   regenerate the tsconfig paths
//   node scripts/workspace-sources.mjs --check   fail if they are out of date (npm test runs this)
import { existsSync, readFileSync, readdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every `{ specifier, file }` of the workspace, `file` absolute, longest specifiers first. */
export function sourceEntries() {
  const entries = [];
  for (const folder of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, folder)).sort()) {
      const dir = join(root, folder, name);
      const manifestPath = join(dir, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        const built = typeof target === 'string' ? target : target.import;
        const match = /^\.\/dist\/(.+)\.js$/.exec(built ?? '');
        if (!match) throw new Error(`${manifestPath}: exports["${subpath}"] is not a ./dist/*.js file`);
        const file = join(dir, 'src', `${match[1]}.ts`);
        if (!existsSync(file)) throw new Error(`${manifestPath}: exports["${subpath}"] has no source ${relative(root, file)}`);
        entries.push({ specifier: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`, file });
      }
    }
  }
  return entries.sort((a, b) => b.specifier.length - a.specifier.length || a.specifier.localeCompare(b.specifier));
}

/** Vite/vitest `resolve.alias` entries: exact specifiers only, so `@peftjs/core/node` is not `@peftjs/core` + `/node`. */
export function sourceAliases() {
  return sourceEntries().map(({ specifier, file }) => ({ find: new RegExp(`^${specifier.replace(/[/.]/g, '\\$&')}$`), replacement: file }));
}

/** The tsconfig.json files that resolve the workspace's packages to their sources: those with `paths`. */
function sourceTsconfigs() {
  const configs = [];
  for (const folder of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, folder)).sort()) {
      const file = join(root, folder, name, 'tsconfig.json');
      if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).compilerOptions?.paths) configs.push(file);
    }
  }
  return configs;
}

/** Every entry as a tsconfig `paths` map relative to `config`'s folder (as TypeScript reads them). */
function pathsFor(config) {
  const paths = {};
  for (const { specifier, file } of [...sourceEntries()].sort((a, b) => a.specifier.localeCompare(b.specifier))) {
    const path = relative(dirname(config), file).split('\\').join('/');
    paths[specifier] = [path.startsWith('.') ? path : `./${path}`];
  }
  return paths;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stale = [];
  for (const config of sourceTsconfigs()) {
    const json = JSON.parse(readFileSync(config, 'utf8'));
    const want = pathsFor(config);
    if (JSON.stringify(json.compilerOptions.paths) === JSON.stringify(want)) continue;
    if (process.argv.includes('--write')) {
      json.compilerOptions.paths = want;
      writeFileSync(`${config}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
      renameSync(`${config}.tmp`, config);
    } else stale.push(relative(root, config));
  }
  if (stale.length > 0) {
    console.error(
      `tsconfig paths out of date with the packages' exports: ${stale.join(', ')}; run node scripts/workspace-sources.mjs --write`,
    );
    process.exit(1);
  }
}
