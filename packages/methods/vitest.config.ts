import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the sources of the packages they use (no build needed), and the golden PEFT
// cases run through the conformance suite's method template.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@peftjs\/core\/node$/, replacement: source('../core/src/node/index.ts') },
      { find: /^@peftjs\/core$/, replacement: source('../core/src/index.ts') },
      { find: /^@peftjs\/backend-cpu$/, replacement: source('../backend-cpu/src/index.ts') },
      { find: /^@peftjs\/models\/node$/, replacement: source('../models/src/node/index.ts') },
      { find: /^@peftjs\/models\/onnx$/, replacement: source('../models/src/onnx/index.ts') },
      { find: /^@peftjs\/models$/, replacement: source('../models/src/index.ts') },
      { find: /^@peftjs\/methods$/, replacement: source('./src/index.ts') },
      { find: /^@peftjs\/conformance$/, replacement: source('../conformance/src/index.ts') },
    ],
  },
  // whole-model gradient checks take seconds on a shared CPU
  test: { testTimeout: 120_000, hookTimeout: 120_000 },
});
