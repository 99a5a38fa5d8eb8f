import { defineConfig } from 'tsup';

export default defineConfig({
  // One build with code splitting, so `@peftjs/models/node` shares the main entry's modules (one class per model).
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts', 'onnx/index': 'src/onnx/index.ts' },
  format: ['esm'],
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/, /^@peftjs\//],
});
