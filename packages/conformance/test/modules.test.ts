import { CpuBackend } from '@peftjs/backend-cpu';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../src/index.js';

describe('modules suite', () => {
  it('passes on the CPU backend against the reference, golden models included', async () => {
    const cpu = () => new CpuBackend({ fast: false });
    const report = await runConformance({
      name: 'cpu',
      createBackend: () => new CpuBackend(),
      createReference: cpu,
      filter: /^modules\//,
      log: () => {},
    });
    const failed = report.results.filter((r) => r.status !== 'passed');
    expect(failed.map((r) => `${r.name}: ${r.reason}`)).toEqual([]);
    expect(report.results.length).toBe(14);
  }, 120_000);
});
