import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../../scripts/workspace-sources.mjs';

// @peftjs imports resolve to the packages' sources (one map: scripts/workspace-sources.mjs), so no build is needed first.
export default defineConfig({
  resolve: { alias: sourceAliases() },
});
