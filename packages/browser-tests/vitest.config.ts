import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Node-side code runs against the packages' sources (as the pages, which are bundled from them).
export default defineConfig({
  resolve: {
    alias: {
      '@peftjs/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)),
      '@peftjs/conformance': fileURLToPath(new URL('../conformance/src/index.ts', import.meta.url)),
      '@peftjs/backend-cpu': fileURLToPath(new URL('../backend-cpu/src/index.ts', import.meta.url)),
    },
  },
  // one Chromium at a time: a software GPU already uses every core
  test: { testTimeout: 600_000, hookTimeout: 120_000, fileParallelism: false },
});
