import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('browser entry', () => {
  it('bundles the main entry (tokenizers, batching) for the browser with no Node built-ins', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/\bfrom\s+["']node:|require\(["'](node:)?(fs|path|os|url|util|crypto|module|worker_threads)["']\)/);
    expect(code).not.toContain('@stdlib/');
  });
});
