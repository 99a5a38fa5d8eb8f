import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The README's first code sample, run as it is with plain Node against the built packages. */
describe('README', () => {
  it('the sample runs: cuda where a GPU is, else the no-device message and the CPU', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const sample = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    const dir = fileURLToPath(new URL('../build/readme/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}sample.mjs`, sample);
    const run = spawnSync(process.execPath, [`${dir}sample.mjs`], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('2048');
    if (lines.length > 1) expect(lines[0]).toMatch(/^CudaUnavailableError: cuda: no CUDA device: /);
  });
});
