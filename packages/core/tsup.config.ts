import { defineConfig } from 'tsup';

export default defineConfig({
  // One build with code splitting, so `@peftjs/core/node` shares the main entry's modules (one Tensor class).
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
  format: ['esm'],
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/],
});
