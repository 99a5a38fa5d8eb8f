import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the sources of core, the CPU backend and models (no build needed).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@peftjs\/core\/node$/, replacement: fileURLToPath(new URL('../core/src/node/index.ts', import.meta.url)) },
      { find: /^@peftjs\/core$/, replacement: fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
      { find: /^@peftjs\/backend-cpu$/, replacement: fileURLToPath(new URL('../backend-cpu/src/index.ts', import.meta.url)) },
      { find: /^@peftjs\/models$/, replacement: fileURLToPath(new URL('../models/src/index.ts', import.meta.url)) },
    ],
  },
});
