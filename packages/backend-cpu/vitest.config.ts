import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against core's sources (both entries), so no build of @peftjs/core is needed first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@peftjs\/core\/node$/, replacement: fileURLToPath(new URL('../core/src/node/index.ts', import.meta.url)) },
      { find: /^@peftjs\/core$/, replacement: fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
    ],
  },
});
