import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The module tests run on the CPU backend's sources (a test-only link: the backend depends on core).
export default defineConfig({
  resolve: {
    alias: {
      '@peftjs/core': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
      '@peftjs/backend-cpu': fileURLToPath(new URL('../backend-cpu/src/index.ts', import.meta.url)),
    },
  },
});
