#!/usr/bin/env node
/**
 * `peftjs-conformance [filter]`: runs the conformance suite on the CPU backend with plain Node
 * (golden vectors from PEFTJS_GOLDEN_DIR or the package's committed golden/ folder).
 */
import { loadReferenceBackend } from './reference.js';
import { runConformanceCli } from './runner.js';

const argv = (globalThis as { process?: { argv: string[]; exitCode?: number } }).process;
const filter = argv?.argv[2];
runConformanceCli({
  name: 'cpu',
  createBackend: loadReferenceBackend,
  filter: filter ? new RegExp(filter) : undefined,
}).then(
  (code) => {
    if (argv) argv.exitCode = code;
  },
  (err) => {
    console.error(err);
    if (argv) argv.exitCode = 1;
  },
);
