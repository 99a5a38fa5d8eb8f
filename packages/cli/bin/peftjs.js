#!/usr/bin/env node
// The `peftjs` command: the built CLI (dist/cli.js). This launcher is committed, so npm links the
// command at install time, before the first build.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('peftjs: the CLI is not built yet; run `npm run build` in the repository first\n');
  process.exit(1);
}
await import(cli.href);
