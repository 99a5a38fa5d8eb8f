import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The module tests run on the CPU backend's sources (a test-only link: the backend depends on core).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@peftjs\/core\/node$/, replacement: fileURLToPath(new URL('./src/node/index.ts', import.meta.url)) },
      { find: /^@peftjs\/core$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^@peftjs\/backend-cpu$/, replacement: fileURLToPath(new URL('../backend-cpu/src/index.ts', import.meta.url)) },
    ],
  },
});
