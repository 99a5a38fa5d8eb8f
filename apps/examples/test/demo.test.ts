import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { memory } from '@peftjs/core';
import { methodNames } from '../src/demo/methods.js';
import { parseDemoArgs } from '../src/demo/options.js';
import { runDemo } from '../src/demo/run.js';

const DEMO = fileURLToPath(new URL('../dist/demo.js', import.meta.url));

describe('npm run demo', () => {
  const out = mkdtempSync(join(tmpdir(), 'demo-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs end to end at a tiny size: the table, the adapter files, the reload and merge checks, the loss curves', async () => {
    const parsed = parseDemoArgs(
      ['--train-size', '12', '--test-size', '16', '--steps', '2', '--batch-size', '4', '--max-length', '24', '--out', out, '--no-progress'],
      methodNames(),
    );
    if (parsed.help) throw new Error('unexpected --help');
    const lines: string[] = [];
    const before = memory().numTensors;
    const result = await runDemo(parsed.options, (line) => lines.push(line));
    expect(memory().numTensors).toBe(before);

    expect(result.runs.map((r) => r.name)).toEqual(['linear probe', 'LoRA', 'full fine-tuning']);
    for (const run of result.runs) {
      expect(run.losses).toHaveLength(2);
      expect(run.losses.every(Number.isFinite)).toBe(true);
      expect(run.accuracy).toBeGreaterThanOrEqual(0);
      expect(run.accuracy).toBeLessThanOrEqual(1);
    }
    const [probe, lora, full] = result.runs;
    expect(probe.trainable).toBe(2 * 128); // the score head
    expect(full.trainable).toBe(full.all);
    expect(lora.trainable).toBeGreaterThan(probe.trainable);
    expect(lora.trainable).toBeLessThan(full.trainable / 10);

    const output = lines.join('\n');
    expect(output).toContain(result.table);
    expect(result.table).toMatch(/\| majority class \(always ham\) +\| +\d+\.\d% \|/);
    expect(result.table).toMatch(/\| LoRA +\| +\d+\.\d% \| +[\d,]+ \| +\d+\.\d+% \| +\d+\.\d s \|/);

    expect(readdirSync(join(out, 'adapter')).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const config = JSON.parse(readFileSync(join(out, 'adapter', 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r: 8,
      lora_alpha: 16,
      fan_in_fan_out: true,
      modules_to_save: ['score'],
      task_type: 'SEQ_CLS',
    });
    expect(result.adapter.reloaded.accuracy).toBe(lora.accuracy);
    expect(result.adapter.reloaded.maxLogitDifference).toBeLessThanOrEqual(1e-6);
    expect(result.adapter.merged).not.toBeNull();
    expect(result.adapter.merged!.maxLogitDifference).toBeLessThanOrEqual(1e-3);
    expect(output).toMatch(/reloaded into a fresh base model: test accuracy \d+\.\d%/);
    expect(output).toMatch(/merged into the weights \(mergeAndUnload\): test accuracy \d+\.\d%/);
    expect(JSON.parse(readFileSync(join(out, 'merged', 'config.json'), 'utf8')).architectures).toEqual(['GPT2ForSequenceClassification']);

    const png = readFileSync(join(out, 'loss-curves.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.runs).toHaveLength(3);
    expect(results.options.steps).toBe(2);
  }, 120_000);

  it('the command prints its options, and names a bad option and its value', () => {
    const help = spawnSync(process.execPath, [DEMO, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: npm run demo -- [options]');
    expect(help.stdout).toMatch(/PEFT methods for --method:\n {2}.*\blora\b/);
    const bad = spawnSync(process.execPath, [DEMO, '--max-length', 'long'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('demo: --max-length must be an integer from 2 to 1024, got "long"');
    const negative = spawnSync(process.execPath, [DEMO, '--steps', '-1'], { encoding: 'utf8' });
    expect(negative.status).toBe(1);
    expect(negative.stderr.trim()).toBe('demo: --steps must be an integer ≥ 1, got "-1"');
    const method = spawnSync(process.execPath, [DEMO, '--method', 'nope'], { encoding: 'utf8' });
    expect(method.status).toBe(1);
    expect(method.stderr).toContain('demo: --method must be one of');
    const bone = spawnSync(process.execPath, [DEMO, '--method', 'bone', '--out', out], { encoding: 'utf8' });
    if (methodNames().includes('bone'))
      expect(bone.stderr.trim()).toMatch(/^demo: --method bone cannot adapt GPT2ForSequenceClassification: .*Conv1D/);
  }, 60_000);
});
