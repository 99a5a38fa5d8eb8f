import { defineConfig } from 'vitest/config';

// The commands run end to end as child processes of the built CLI (dist/cli.js, built first by turbo).
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 120_000 },
});
