/**
 * PyTorch on the CPU from the system's Python: Debian's python3-torch, installed with apt-get when
 * missing. Always the system interpreter, never another python on PATH. Debian's PyTorch multiplies
 * through the system's libblas.so.3, which is the unoptimised reference BLAS unless OpenBLAS is
 * installed: then PyTorch runs about ten times slower and is no fair peer, so OpenBLAS is required too.
 */
import { spawnSync } from 'node:child_process';

export const SYSTEM_PYTHON = '/usr/bin/python3';
const DEBIAN_PACKAGES = ['python3-torch', 'libopenblas0-pthread'];

function torchImports(): boolean {
  return spawnSync(SYSTEM_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function debianPackageInstalled(name: string): boolean {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return query.status === 0 && query.stdout.includes('install ok installed');
}

function ready(): boolean {
  return torchImports() && DEBIAN_PACKAGES.every(debianPackageInstalled);
}

/** null when `import torch` works on OpenBLAS (installing both first if needed), else why PyTorch is unavailable. */
export function ensurePyTorch(): string | null {
  if (ready()) return null;
  const root = process.getuid?.() === 0;
  const command = root ? ['apt-get', 'install', '-y', ...DEBIAN_PACKAGES] : ['sudo', '-n', 'apt-get', 'install', '-y', ...DEBIAN_PACKAGES];
  console.log(`PyTorch not found for ${SYSTEM_PYTHON}: running ${command.join(' ')}`);
  const install = spawnSync(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (install.error) return `${command.join(' ')} could not start (${install.error.message})`;
  if (install.status !== 0) {
    const last = install.stderr.trim().split('\n').slice(-1)[0] ?? '';
    return `${command.join(' ')} failed with status ${install.status}${last ? `: ${last}` : ''}`;
  }
  return ready() ? null : `${DEBIAN_PACKAGES.join(' ')} installed, but ${SYSTEM_PYTHON} still cannot import torch`;
}

/** Runs a Python script with the system interpreter and parses the JSON it prints last. */
export function runPythonJson<T>(script: string, args: readonly string[]): T {
  const run = spawnSync(SYSTEM_PYTHON, [script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error) throw new Error(`${script}: could not start ${SYSTEM_PYTHON} (${run.error.message})`);
  if (run.status !== 0) throw new Error(`${script} exited with status ${run.status}:\n${run.stderr}`);
  const last = run.stdout.trim().split('\n').slice(-1)[0];
  return JSON.parse(last) as T;
}
