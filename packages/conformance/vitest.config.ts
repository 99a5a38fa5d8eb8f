import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// This package's own tests run against the sources of core and the CPU backend (no build needed).
export default defineConfig({
  resolve: {
    alias: {
      '@peftjs/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)),
      '@peftjs/models': fileURLToPath(new URL('../models/src/index.ts', import.meta.url)),
      '@peftjs/methods': fileURLToPath(new URL('../methods/src/index.ts', import.meta.url)),
      '@peftjs/backend-cpu': fileURLToPath(new URL('../backend-cpu/src/index.ts', import.meta.url)),
    },
  },
});
