import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Without a GPU, Dawn runs on SwiftShader's Vulkan driver from Debian's chromium package. Test
// workers are started after this runs, so they inherit the variables (the loader reads
// LD_LIBRARY_PATH at process start: chromium ships its own libvulkan.so.1).
const swiftshader = '/usr/lib/chromium';
if (existsSync(`${swiftshader}/vk_swiftshader_icd.json`)) {
  process.env.VK_ICD_FILENAMES ??= `${swiftshader}/vk_swiftshader_icd.json`;
  if (!(process.env.LD_LIBRARY_PATH ?? '').split(':').includes(swiftshader)) {
    process.env.LD_LIBRARY_PATH = [swiftshader, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
}

// Tests run against core's sources, so no build of @peftjs/core is needed first.
export default defineConfig({
  resolve: {
    alias: { '@peftjs/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
  },
  test: { testTimeout: 60_000, hookTimeout: 60_000 },
});
