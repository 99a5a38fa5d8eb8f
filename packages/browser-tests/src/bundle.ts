import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** The repository root (this file is packages/browser-tests/src/bundle.ts). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Package entries resolved to their TypeScript sources, so a page runs the code as it is, unbuilt. */
const SOURCE_ENTRIES: Record<string, string> = {
  '@peftjs/core': 'packages/core/src/index.ts',
  '@peftjs/backend-cpu': 'packages/backend-cpu/src/index.ts',
  '@peftjs/backend-webgpu': 'packages/backend-webgpu/src/index.ts',
  '@peftjs/conformance': 'packages/conformance/src/index.ts',
  '@peftjs/conformance/runner': 'packages/conformance/src/runner.ts',
  '@peftjs/models': 'packages/models/src/index.ts',
  '@peftjs/methods': 'packages/methods/src/index.ts',
  '@peftjs/data': 'packages/data/src/index.ts',
};

const fromSources: Plugin = {
  name: 'peftjs-sources',
  setup(b) {
    b.onResolve({ filter: /^@peftjs\// }, (args) => {
      const source = SOURCE_ENTRIES[args.path];
      if (!source) return { errors: [{ text: `bundle: no source entry for ${args.path}` }] };
      return { path: fileURLToPath(new URL(source, `file://${repoRoot}`)) };
    });
  },
};

/**
 * Bundles a page's entry (a path from the repository root) into one ES module for the browser.
 * Node built-ins stay external: they are only imported on paths a page never takes.
 */
export async function bundlePage(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, `file://${repoRoot}`))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    external: ['node:*'],
    plugins: [fromSources],
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
