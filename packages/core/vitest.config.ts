import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../../scripts/workspace-sources.mjs';

// The module tests run on the CPU backend's sources (a test-only link: the backend depends on core);
// @peftjs imports resolve through one map, scripts/workspace-sources.mjs.
export default defineConfig({
  resolve: { alias: sourceAliases() },
});
