// The published packages as a user gets them: `npm pack` of every non-private workspace package,
// installed from the tarballs into a project outside the workspace, type-checked with strict and
// skipLibCheck false, run in Node, and bundled for a page that trains in headless Chromium.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, modulePage, startServer } from '../../browser-tests/src/index.js';
import { exec, packAll } from '../src/npm.js';
import { allSnippets } from '../src/snippets.js';
import { builtBeforeThisTest, pinnedVersion, publishablePackages, repoRoot } from '../src/workspace.js';

const fixtures = join(repoRoot, 'packages/package-tests/fixtures');
const packages = publishablePackages();
let project = '';

/** The last line a program printed, as JSON. */
const lastJson = <T>(out: string): T => JSON.parse(out.trim().split('\n').at(-1)!) as T;
const decreased = (losses: readonly number[]) => losses.every(Number.isFinite) && losses.at(-1)! < losses[0]!;

describe('the packed packages in a project of their own', () => {
  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'peftjs-user-project-'));
    const tarballs = join(project, 'tarballs');
    mkdirSync(tarballs);
    const files = await packAll(
      packages.map((p) => p.dir),
      tarballs,
    );
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'peftjs-user', private: true, type: 'module' }, null, 2));
    // the tarballs, and from the registry (the cache first) only third-party packages; install
    // scripts stay off so no native build or download runs
    await exec(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        ...files.map((f) => `./tarballs/${f}`),
        `typescript@${pinnedVersion('typescript')}`,
        `@types/node@${pinnedVersion('@types/node')}`,
      ],
      project,
    );
    for (const f of readdirSync(fixtures)) copyFileSync(join(fixtures, f), join(project, f));
  }, 240_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('covers every publishable package, and turbo builds each one before this test', () => {
    expect(packages.map((p) => p.name)).toContain('@peftjs/core');
    const missing = packages.map((p) => p.name).filter((n) => !builtBeforeThisTest().has(n));
    expect(missing, 'add these to devDependencies of @peftjs/package-tests, so turbo builds them before the packaging test').toEqual([]);
  });

  it('type-checks a user program with strict and skipLibCheck false', async () => {
    const out = await exec('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], project).catch((e: Error) => e.message);
    expect(out).toBe('');
  }, 120_000);

  it('runs in Node: LoRA steps on a loaded GPT-2, Sequential and a PyTorch-style module train, the adapter reloads from its folder', async () => {
    const report = lastJson<{ gpt2: number[]; sequential: number[]; fields: number[]; fanInFanOut: boolean; root: string }>(
      await exec('node', ['out/train.js'], project, { NODE_NO_WARNINGS: '1' }),
    );
    console.log(`packed, Node: GPT-2 LoRA loss ${report.gpt2[0]!.toFixed(3)} → ${report.gpt2.at(-1)!.toFixed(3)}`);
    const losses = JSON.stringify({ gpt2: report.gpt2, sequential: report.sequential, fields: report.fields });
    expect(
      {
        gpt2: decreased(report.gpt2),
        sequential: decreased(report.sequential),
        fields: decreased(report.fields),
        fanInFanOut: report.fanInFanOut,
      },
      losses,
    ).toEqual({ gpt2: true, sequential: true, fields: true, fanInFanOut: true });
    const reload = lastJson<{ baseModelNameOrPath: string | null; logitsShape: number[] }>(
      await exec('node', ['out/reload.js', report.root], project),
    );
    expect(reload.baseModelNameOrPath).toBe(join(report.root, 'base'));
    expect(reload.logitsShape).toEqual([1, 3, 257]);
    rmSync(report.root, { recursive: true, force: true });
  }, 180_000);

  it('type-checks every ```ts block of the READMEs against the tarballs, and runs those not marked typecheck-only', async () => {
    const snippets = allSnippets();
    expect(snippets.length).toBeGreaterThanOrEqual(10);
    mkdirSync(join(project, 'snippets'));
    for (const s of snippets) writeFileSync(join(project, 'snippets', `${s.fileName}.ts`), s.code);
    writeFileSync(
      join(project, 'tsconfig.snippets.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { rootDir: 'snippets', outDir: 'out-snippets' },
        include: ['snippets/*.ts'],
      }),
    );
    const errors = await exec('npx', ['--no-install', 'tsc', '-p', 'tsconfig.snippets.json'], project).catch((e: Error) => e.message);
    expect(errors).toBe('');
    // the snippets run in a folder of their own that holds the repository's example model, as a
    // user's project would; what they write stays there
    const cwd = mkdtempSync(join(tmpdir(), 'peftjs-snippets-'));
    mkdirSync(join(cwd, 'apps/examples'), { recursive: true });
    symlinkSync(join(repoRoot, 'apps/examples/models'), join(cwd, 'apps/examples/models'));
    const failures: string[] = [];
    for (const s of snippets.filter((x) => x.run)) {
      await exec('node', [join(project, 'out-snippets', `${s.fileName}.js`)], cwd, { NODE_NO_WARNINGS: '1' }).catch((e: Error) =>
        failures.push(`${s.where}: ${e.message}`),
      );
    }
    rmSync(cwd, { recursive: true, force: true });
    console.log(`README snippets: ${snippets.length} type-checked, ${snippets.filter((x) => x.run).length} run`);
    expect(failures).toEqual([]);
  }, 240_000);

  it('bundles a page with esbuild and trains LoRA in headless Chromium on WebGPU and on the CPU backend', async () => {
    const bundle = await build({
      entryPoints: [join(project, 'page.ts')],
      absWorkingDir: project,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
    });
    const server = await startServer({
      files: { '/index.html': modulePage('packed packages', '/page.js'), '/page.js': bundle.outputFiles[0]!.text },
    });
    const browser = await launchChromium();
    try {
      for (const backend of ['webgpu', 'cpu']) {
        const { page, errors } = await browser.newPage();
        await page.goto(`${server.url}/?backend=${backend}`);
        await page.waitForFunction(() => (globalThis as { pageResult?: unknown }).pageResult !== undefined, undefined, {
          timeout: 120_000,
          polling: 250,
        });
        const result = await page.evaluate(
          () => (globalThis as unknown as { pageResult: { backend?: string; losses?: number[]; error?: string } }).pageResult,
        );
        console.log(`packed, Chromium ${backend}: LoRA loss ${result.losses?.[0]?.toFixed(3)} → ${result.losses?.at(-1)?.toFixed(3)}`);
        expect(result.error).toBeUndefined();
        expect(result.backend).toBe(backend);
        expect(decreased(result.losses!)).toBe(true);
        expect(errors).toEqual([]);
        await page.close();
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }, 240_000);
});
