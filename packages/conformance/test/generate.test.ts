import { CpuBackend } from '@peftjs/backend-cpu';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../src/runner.js';

const cpu = () => new CpuBackend();

describe('generation golden cases', () => {
  it('every case of generate/ matches transformers on the CPU backend', { timeout: 600_000 }, async () => {
    const report = await runConformance({ name: 'cpu', createBackend: cpu, createReference: cpu, filter: new RegExp(process.env.GEN_FILTER ?? '^generate/') });
    const failed = report.results.filter((r) => r.status !== 'passed').map((r) => `${r.name}: ${r.reason}`);
    expect(failed).toEqual([]);
    expect(report.passed).toBe(20);
  });
});
