import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuBackend } from '@peftjs/backend-cpu';
import { describe, expect, it } from 'vitest';
import { locateGoldenDir } from '../src/golden/files.js';
import { runConformance } from '../src/runner.js';

const cpu = () => new CpuBackend();

describe('generation golden cases', () => {
  it('run from the folder PEFTJS_GOLDEN_DIR names, all 20 matching transformers', { timeout: 300_000 }, async () => {
    const real = await locateGoldenDir();
    const dir = mkdtempSync(join(tmpdir(), 'golden-generate-'));
    const previous = process.env.PEFTJS_GOLDEN_DIR;
    try {
      // the generation cases and the PEFT cases whose bases and adapters they load
      for (const part of ['index.json', 'ops/index.json', 'generate', 'peft/lora_llama', 'peft/prefix_tuning', 'peft/lora_gpt2_conv1d']) {
        mkdirSync(join(dir, part, '..'), { recursive: true });
        cpSync(join(real.dir, part), join(dir, part), { recursive: true });
      }
      process.env.PEFTJS_GOLDEN_DIR = dir;
      expect((await locateGoldenDir()).dir).toBe(dir);
      const report = await runConformance({ name: 'cpu', createBackend: cpu, createReference: cpu, filter: /^generate\// });
      expect(report.results.filter((r) => r.status !== 'passed').map((r) => `${r.name}: ${r.reason}`)).toEqual([]);
      expect(report.passed).toBe(20);
    } finally {
      if (previous === undefined) delete process.env.PEFTJS_GOLDEN_DIR;
      else process.env.PEFTJS_GOLDEN_DIR = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a golden folder without generate/ fails one listing case, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-nogenerate-'));
    try {
      const real = await locateGoldenDir();
      mkdirSync(join(dir, 'ops'));
      cpSync(join(real.dir, 'index.json'), join(dir, 'index.json'));
      cpSync(join(real.dir, 'ops', 'index.json'), join(dir, 'ops', 'index.json'));
      const report = await runConformance({ name: 'cpu', createBackend: cpu, createReference: cpu, goldenDir: dir, filter: /^generate\// });
      expect(report.results.map((r) => [r.name, r.status])).toEqual([['generation golden cases are listed', 'failed']]);
      expect(report.results[0].reason).toMatch(/generate\/index\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
