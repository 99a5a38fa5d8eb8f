import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../../scripts/workspace-sources.mjs';

// Node-side code runs against the packages' sources (as the pages, which are bundled from them).
export default defineConfig({
  resolve: { alias: sourceAliases() },
  // one Chromium at a time: a software GPU already uses every core
  test: { testTimeout: 600_000, hookTimeout: 120_000, fileParallelism: false },
});
