#!/usr/bin/env node
// Builds the native addons with cmake-js (CMakeLists.txt): the emulated one always, the CUDA one
// where nvcc is found. A machine without cmake or a C++ compiler builds nothing and says why in
// build/cuda-status.txt (the backend reports that reason; the package's tests then skip).
/* global console, process */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = join(root, 'build');

function found(command, args = ['--version']) {
  const r = spawnSync(command, args, { stdio: 'ignore' });
  return r.status === 0;
}

function skip(reason) {
  mkdirSync(build, { recursive: true });
  writeFileSync(join(build, 'cuda-status.txt'), `${reason}\n`);
  console.log(`backend-cuda: native addons not built: ${reason}`);
  process.exit(0);
}

if (!found('cmake')) skip('cmake was not found when the package was built');
if (!found('c++') && !found('g++')) skip('no C++ compiler was found when the package was built');
if (!found('nvcc')) console.log('backend-cuda: nvcc not found: building only the emulated addon');

const started = Date.now();
const bin = spawnSync(
  process.execPath,
  [createRequire(import.meta.url).resolve('cmake-js/bin/cmake-js'), 'build', '-p', String(availableParallelism()), '--log-level', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (bin.status !== 0) {
  console.error('backend-cuda: the native build failed');
  process.exit(bin.status ?? 1);
}
console.log(`backend-cuda: native addons built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
