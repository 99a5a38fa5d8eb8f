import { mkdtempSync, copyFileSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpuBackend } from '@peftjs/backend-cpu';
import { describe, expect, it } from 'vitest';
import { locateGoldenDir, nodeGoldenSource, type GoldenSource } from '../src/golden/files.js';
import { openPeftCase } from '../src/peft/golden-case.js';
import { parseIndex } from '../src/golden/expressions.js';
import { runConformance, runConformanceCli } from '../src/runner.js';

const cpu = () => new CpuBackend();

async function goldenOnly(goldenDir: string) {
  const lines: string[] = [];
  const report = await runConformance({
    name: 'cpu',
    createBackend: cpu,
    createReference: cpu,
    goldenDir,
    filter: /^golden\//,
    log: (l) => lines.push(l),
  });
  return { report, lines };
}

describe('golden vectors', () => {
  it("are the package's own committed folder unless PEFTJS_GOLDEN_DIR names another", async () => {
    const found = await locateGoldenDir();
    expect(JSON.parse(readFileSync(join(found.dir, 'ops', 'index.json'), 'utf8'))).toBeTypeOf('object');
    if (!process.env.PEFTJS_GOLDEN_DIR) {
      expect(found.source).toBe('package');
      expect(found.dir).toBe(fileURLToPath(new URL('../golden', import.meta.url)));
    }
  });

  it('a case without a runner fails, naming it; the others still run', async () => {
    const real = await locateGoldenDir();
    const dir = mkdtempSync(join(tmpdir(), 'golden-'));
    mkdirSync(join(dir, 'ops'));
    copyFileSync(join(real.dir, 'ops', 'exp.safetensors'), join(dir, 'ops', 'exp.safetensors'));
    const index = JSON.parse(readFileSync(join(real.dir, 'ops', 'index.json'), 'utf8'));
    writeFileSync(
      join(dir, 'ops', 'index.json'),
      JSON.stringify({ exp: index.exp, frobnicate: { file: 'exp.safetensors', inputs: ['x'] } }),
    );
    const { report } = await goldenOnly(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(report.results.map((r) => [r.name, r.status])).toEqual([
      ['exp (float32)', 'passed'],
      ['exp (float64)', 'passed'],
      ['frobnicate (float32)', 'failed'],
      ['frobnicate (float64)', 'failed'],
    ]);
    expect(report.results[2].reason).toBe('no runner for golden case frobnicate');
    expect(report.notes).toContain(
      `golden: compared 1 op case (float32 and float64), 0 of 0 PEFT method cases and 0 of 0 LoRA combinations from ${dir}`,
    );
  });

  it('a missing golden folder fails with a clear message', async () => {
    const { report } = await goldenOnly(join(tmpdir(), 'no-such-golden-folder'));
    expect(report.failed).toBe(1);
    expect(report.results[0].reason).toMatch(/golden: goldenDir is .*no-such-golden-folder, which is not a directory/);
    expect(report.notes.join('\n')).toContain('golden: NOT compared');
  });

  it('a goldenSource replaces the file system (as a browser page fetching the files does)', async () => {
    const real = await locateGoldenDir();
    const asked: string[] = [];
    const goldenSource: GoldenSource = {
      location: 'memory:golden',
      readBytes: async (relPath) => {
        asked.push(relPath);
        if (relPath === 'ops/index.json')
          return new TextEncoder().encode(
            JSON.stringify({ exp: JSON.parse(readFileSync(join(real.dir, 'ops', 'index.json'), 'utf8')).exp }),
          );
        return new Uint8Array(readFileSync(join(real.dir, ...relPath.split('/'))));
      },
      readText: async (relPath) => new TextDecoder().decode(await goldenSource.readBytes(relPath)),
    };
    const report = await runConformance({
      name: 'cpu',
      createBackend: cpu,
      createReference: cpu,
      goldenSource,
      goldenDir: '/not/used',
      filter: /^golden\//,
    });
    expect(report.results.map((r) => [r.name, r.status])).toEqual([
      ['exp (float32)', 'passed'],
      ['exp (float64)', 'passed'],
    ]);
    // the plan also lists the PEFT cases (index.json); the op files are read only for the cases that run
    expect(asked.filter((p) => p.startsWith('ops/'))).toEqual(['ops/index.json', 'ops/exp.safetensors', 'ops/exp.safetensors']);
    expect(report.notes).toContain(
      'golden: compared 1 op case (float32 and float64), 0 of 32 PEFT method cases and 0 of 11 LoRA combinations from memory:golden',
    );
  });

  it('NumPy slices are parsed per axis', () => {
    expect(parseIndex('[:, 1:4, ::2]')).toEqual([
      { start: 0, end: undefined, step: 1 },
      { start: 1, end: 4, step: 1 },
      { start: 0, end: undefined, step: 2 },
    ]);
  });
});

describe('runs that check nothing, and golden files that cannot be read', () => {
  it('the CLI exits non-zero when a filter matches nothing or every case is skipped', async () => {
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    expect(await runConformanceCli({ name: 'cpu', createBackend: cpu, createReference: cpu, filter: /^no-such-suite\//, log })).toBe(1);
    expect(lines.at(-1)).toMatch(/nothing was checked \(no case matched the filter/);
    expect(
      await runConformanceCli({
        name: 'cpu',
        createBackend: cpu,
        createReference: cpu,
        filter: /^golden\/exp /,
        skip: { golden: 'skipped on purpose' },
        log,
      }),
    ).toBe(1);
    expect(lines.at(-1)).toMatch(/nothing was checked \(all 2 cases were skipped\)/);
    expect(await runConformanceCli({ name: 'cpu', createBackend: cpu, createReference: cpu, filter: /^golden\/exp /, log })).toBe(0);
  });

  it('an absent optional file reads as absent; any other read failure fails the case', async () => {
    const real = nodeGoldenSource((await locateGoldenDir()).dir);
    const missing = await openPeftCase(real, 'lora');
    expect(await missing.has('no-such-file.safetensors')).toBe(false);
    const broken: GoldenSource = {
      location: 'memory:broken',
      readBytes: async (relPath) => {
        if (relPath.endsWith('merged.safetensors')) throw new Error('golden: cannot read merged.safetensors: EIO');
        return real.readBytes(relPath);
      },
      readText: async (relPath) => new TextDecoder().decode(await broken.readBytes(relPath)),
    };
    const c = await openPeftCase(broken, 'lora');
    await expect(c.has('merged.safetensors')).rejects.toThrow(/EIO/);
  });
});
