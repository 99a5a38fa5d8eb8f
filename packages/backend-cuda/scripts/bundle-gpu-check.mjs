#!/usr/bin/env node
/* global console */
// Bundles what gpu-check.sh runs into single files under build/gpu/ (a GPU machine has no Node
// and no node_modules: node and these files are carried there): the conformance runner and the
// cuda benchmark. The addon stays a separate file (PEFTJS_CUDA_ADDON names it there).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'gpu');
const common = {
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  bundle: true,
  noExternal: [/.*/],
  external: ['vitest', 'webgpu', 'onnxruntime-node'],
  outDir: out,
  silent: true,
  config: false,
  dts: false,
  sourcemap: false,
  splitting: false,
  outExtension: () => ({ js: '.mjs' }),
  // bundled CommonJS dependencies call require(): give the ESM bundle one
  banner: { js: "import { createRequire as __peftjsRequire } from 'node:module'; const require = __peftjsRequire(import.meta.url);" },
};
await build({ ...common, entry: { conformance: join(root, 'gpu', 'conformance.ts') } });
await build({ ...common, entry: { bench: join(root, '..', '..', 'bench', 'src', 'cuda-main.ts') } });
console.log(`bundled ${out}/conformance.mjs and ${out}/bench.mjs`);
