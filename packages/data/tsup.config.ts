import { defineConfig } from 'tsup';

export default defineConfig({
  // One build with code splitting, so `@peftjs/data/corpora` shares the main entry's modules.
  entry: { index: 'src/index.ts', 'corpora/index': 'src/corpora/index.ts' },
  format: ['esm'],
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/, /^@stdlib\//, /^@huggingface\//, /^@peftjs\//],
});
