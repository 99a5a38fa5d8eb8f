import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../../scripts/workspace-sources.mjs';
import { softwareVulkanEnv } from './src/node/software-vulkan.js';

// Without a GPU, Dawn runs on SwiftShader's Vulkan driver (Chromium's). Test workers are started
// after this runs, so they inherit the variables (the loader reads LD_LIBRARY_PATH at process start).
Object.assign(process.env, softwareVulkanEnv());

// @peftjs imports resolve to the packages' sources (one map: scripts/workspace-sources.mjs), so no build is needed first.
export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: { testTimeout: 60_000, hookTimeout: 60_000 },
});
