import { defineConfig } from 'tsup';

export default defineConfig({
  // One build with code splitting, so `@peftjs/core/node` shares the main entry's modules (one Tensor class).
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
  format: ['esm'],
  splitting: true,
  // tensors and scopes are Disposable (`using`): the declarations bring the lib that names Symbol.dispose,
  // so a user's project on ES2022 type-checks them without skipLibCheck
  dts: { banner: '/// <reference lib="esnext.disposable" />' },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/],
});
