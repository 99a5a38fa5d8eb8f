import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../../scripts/workspace-sources.mjs';

// @peftjs imports resolve to the packages' sources (scripts/workspace-sources.mjs), and the golden PEFT
// cases run through the conformance suite's method template.
export default defineConfig({
  resolve: { alias: sourceAliases() },
  // whole-model gradient checks take seconds on a shared CPU
  test: { testTimeout: 120_000, hookTimeout: 120_000 },
});
