import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against core's sources, so no build of @peftjs/core is needed first.
export default defineConfig({
  resolve: {
    alias: { '@peftjs/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
  },
  test: { testTimeout: 120_000, hookTimeout: 120_000 },
});
