import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { softwareVulkanEnv } from './src/node/software-vulkan.js';

// Without a GPU, Dawn runs on SwiftShader's Vulkan driver (Chromium's). Test workers are started
// after this runs, so they inherit the variables (the loader reads LD_LIBRARY_PATH at process start).
Object.assign(process.env, softwareVulkanEnv());

// Tests run against core's sources, so no build of @peftjs/core is needed first.
export default defineConfig({
  resolve: {
    alias: { '@peftjs/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
  },
  test: { testTimeout: 60_000, hookTimeout: 60_000 },
});
