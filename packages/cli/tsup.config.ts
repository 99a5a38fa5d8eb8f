import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { cli: 'src/cli.ts', 'plot/index': 'src/plot/index.ts' },
  format: ['esm'],
  dts: { entry: { 'plot/index': 'src/plot/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  banner: { js: '' },
  // workspace packages stay imports, resolved at run time
  external: [/^@peftjs\//],
});
