import { defineConfig } from 'vitest/config';

// One test file; installing and type-checking the tarballs takes a minute on a shared CPU.
export default defineConfig({
  test: { testTimeout: 240_000, hookTimeout: 240_000, fileParallelism: false },
});
