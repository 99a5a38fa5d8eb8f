import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs npm (or another command) in `cwd`; a failure carries the command's output. */
export async function exec(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

/** `npm pack` of workspace folders into `destination`; the tarballs' file names. */
export async function packAll(dirs: readonly string[], destination: string): Promise<string[]> {
  const tarballs: string[] = [];
  for (const dir of dirs) {
    const out = await exec('npm', ['pack', '--json', '--silent', '--pack-destination', destination], dir);
    const [info] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
    tarballs.push(info!.filename);
  }
  return tarballs;
}
