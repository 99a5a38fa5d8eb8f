import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One entry of `npm pack --dry-run --json`. */
interface PackReport {
  name: string;
  files: { path: string }[];
}

/**
 * The files each workspace's tarball would hold, by package name, from one `npm pack --dry-run --json`
 * over all of them (lifecycle scripts run, as on a real pack: `prepack` copies the LICENSE in).
 */
export async function packedFiles(root: string, dirs: readonly string[]): Promise<Map<string, string[]>> {
  const args = ['pack', '--dry-run', '--json', '--loglevel=error', ...dirs.flatMap((d) => ['--workspace', d])];
  const { stdout } = await run('npm', args, { cwd: root, maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32' });
  // lifecycle scripts may print before the JSON array
  const reports = JSON.parse(stdout.slice(stdout.indexOf('['))) as PackReport[];
  return new Map(reports.map((r) => [r.name, r.files.map((f) => f.path.split('\\').join('/'))]));
}

/** What a tarball lacks: LICENSE, README.md and each built entry point. */
export function missingFromTarball(files: readonly string[], entryPoints: readonly string[]): string[] {
  const present = new Set(files);
  return ['LICENSE', 'README.md', ...entryPoints].filter((f) => !present.has(f));
}
