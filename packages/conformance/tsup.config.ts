import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/runner.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/runner.ts'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  removeNodeProtocol: false,
  // loaded on demand: vitest by defineConfig users, node built-ins for the golden files, the CPU oracle
  external: ['vitest', 'node:fs', 'node:fs/promises', 'node:path', 'node:url', '@peftjs/backend-cpu'],
});
