import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
  format: ['esm'],
  // the declarations use GPUDevice and friends: a user's project finds them through this reference
  // (and the @webgpu/types dependency), with no `types` entry or skipLibCheck of its own
  dts: { banner: '/// <reference types="@webgpu/types" />' },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // the Node entry's built-ins stay imports
  removeNodeProtocol: false,
  external: [/^node:/],
});
