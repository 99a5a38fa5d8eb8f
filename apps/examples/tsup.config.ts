import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/demo.ts', 'src/pretrain.ts', 'src/backend-info.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // workspace packages stay imports, resolved at run time
  external: [/^@peftjs\//],
});
