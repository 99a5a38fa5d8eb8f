import { CpuBackend, cpuKernels } from '@peftjs/backend-cpu';
import { getGradientRule, registerGradient, mul, cos, type KernelTable } from '@peftjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, runConformance, type ConformanceReport } from '../src/runner.js';
import { cpuVariant, type VariantOptions } from './variant.js';

// The suite is only worth something if it fails broken backends: each test breaks one thing.

type Kernels = KernelTable<unknown>;
const k = cpuKernels as unknown as Kernels;

async function run(filter: RegExp, variant: VariantOptions = {}): Promise<ConformanceReport> {
  return runConformance({
    name: 'broken',
    createBackend: () => cpuVariant(variant),
    createReference: () => new CpuBackend(),
    filter,
    log: () => {},
  });
}

const failedNames = (r: ConformanceReport) => r.results.filter((x) => x.status === 'failed').map((x) => `${x.suite}/${x.name}`);
const reasonOf = (r: ConformanceReport, name: string) => r.results.find((x) => `${x.suite}/${x.name}` === name)?.reason ?? '';

/** Scales a kernel's float output by (1 + eps). */
function scaled<N extends keyof Kernels>(name: N, eps: number, when: (args: any) => boolean = () => true): Partial<Kernels> {
  const original = k[name] as (a: any) => void;
  return {
    [name]: (args: any) => {
      original(args);
      if (!when(args)) return;
      const out = args.out ?? args.dx;
      const data = (out.storage as { data: Float32Array }).data;
      for (let i = 0; i < data.length; i++) data[i] *= 1 + eps;
    },
  } as Partial<Kernels>;
}

describe('the suite fails broken backends', () => {
  it('an inaccurate exp fails the op table and the golden case', async () => {
    const r = await run(/^(ops\/exp$|golden\/exp \(float32\)|ops\/log$)/, { kernels: scaled('unary', 3e-5, (a) => a.op === 'exp') });
    expect(failedNames(r).sort()).toEqual(['golden/exp (float32)', 'ops/exp']);
    expect(reasonOf(r, 'ops/exp')).toMatch(/max relative error 3\.0\de-5 > tolerance 1e-5/);
  });

  it('an inaccurate matmul fails matmul cases', async () => {
    const r = await run(/^(ops\/matmul \[3,4\] @ \[4,5\]|golden\/matmul \(float32\))$/, { kernels: scaled('matmul', 1e-3) });
    expect(r.failed).toBe(2);
  });

  it('a backend that is its own reference still fails where the JavaScript oracle disagrees', async () => {
    // off by 1e-7 in float64 as in float32: the float32-vs-float64 comparison of one code cannot see it
    const broken = () => cpuVariant({ kernels: { ...scaled('matmul', 1e-7), ...scaled('softmax', 1e-7) } });
    const r = await runConformance({
      name: 'broken',
      createBackend: broken,
      createReference: broken,
      filter: /^ops\/(matmul \[3,4\] @ \[4,5\]|softmax dim -1|exp)$/,
      log: () => {},
    });
    expect(failedNames(r).sort()).toEqual(['ops/matmul [3,4] @ [4,5]', 'ops/softmax dim -1']);
    expect(reasonOf(r, 'ops/softmax dim -1')).toContain('on the reference vs a JavaScript oracle');
    expect(r.results.find((x) => x.name === 'exp')?.status).toBe('passed');
  });

  it('a wrong softmax backward kernel fails the gradient check but not the forward', async () => {
    const r = await run(/^(ops|gradients)\/softmax dim -1$/, { kernels: scaled('softmaxBackward', 1e-2) });
    expect(failedNames(r)).toEqual(['gradients/softmax dim -1']);
    expect(reasonOf(r, 'gradients/softmax dim -1')).toContain('float32 on cpu vs reference');
    // the forward case ran (the filter matched it) and passed
    expect(r.results.filter((x) => x.suite === 'ops').map((x) => [x.name, x.status])).toEqual([['softmax dim -1', 'passed']]);
  });

  it('a shifted Philox stream fails the cross-backend comparison', async () => {
    const original = k.randomUniform;
    const randomUniform: Kernels['randomUniform'] = (a) => original({ ...a, counter: [a.counter[0] + 1, a.counter[1]] });
    const r = await run(/^philox\/rand float32 from the seed$/, { kernels: { randomUniform } });
    expect(r.failed).toBe(1);
    expect(r.results[0].reason).toContain('vs the CPU reference');
  });

  it('a kernel that leaks a buffer fails the leak check', async () => {
    let backend: { alloc(d: string, n: number): unknown } | undefined;
    const original = k.fill;
    const fill: Kernels['fill'] = (a) => {
      backend?.alloc('float32', 4);
      original(a);
    };
    const r = await runConformance({
      name: 'leaky',
      createBackend: () => {
        const b = cpuVariant({ kernels: { fill } });
        backend = b as never;
        return b;
      },
      createReference: () => new CpuBackend(),
      filter: /^ops\/fill$/,
      log: () => {},
    });
    expect(r.failed).toBe(1);
    expect(r.results[0].reason).toMatch(/fill: kernel leaked 1 buffer\(s\) on the cpu backend/);
  });
});

describe('the suite checks core itself', () => {
  const sin = getGradientRule('sin')!;
  afterEach(() => registerGradient(sin));

  it('a wrong gradient rule fails the finite-difference check on the reference', async () => {
    registerGradient({ op: 'sin', backward: ([g], { inputs: [x] }) => [mul(mul(g, cos(x)), 1.001)] });
    const r = await run(/^gradients\/sin$/);
    expect(r.failed).toBe(1);
    expect(r.results[0].reason).toContain('float64 backward vs finite differences');
  });
});

describe('skips are reported, never passed', () => {
  it('an unavailable backend skips every case with the reason', async () => {
    const r = await runConformance({
      name: 'absent',
      createBackend: () => {
        throw new BackendUnavailableError('no GPU adapter on this machine');
      },
      filter: /^ops\/(neg|exp)$/,
      log: () => {},
    });
    expect(r.passed).toBe(0);
    expect(r.skipped).toBe(2);
    expect(r.results[0].reason).toContain('no GPU adapter on this machine');
  });

  it('the skip option skips a suite or a case by name, with the reason', async () => {
    const r = await runConformance({
      name: 'cpu',
      createBackend: () => new CpuBackend(),
      createReference: () => new CpuBackend(),
      filter: /^(memory\/|ops\/neg$)/,
      skip: { memory: 'not this time', neg: 'known issue #1' },
      log: () => {},
    });
    expect(r.passed).toBe(0);
    expect(new Set(r.results.map((x) => x.reason))).toEqual(new Set(['not this time', 'known issue #1']));
  });

  it('a backend factory that fails for another reason is an error', async () => {
    await expect(
      runConformance({
        name: 'bad',
        createBackend: () => {
          throw new Error('boom');
        },
        createReference: () => new CpuBackend(),
        log: () => {},
      }),
    ).rejects.toThrow('boom');
  });
});

describe('defaults', () => {
  it('the reference defaults to a CpuBackend from @peftjs/backend-cpu', async () => {
    const r = await runConformance({
      name: 'cpu',
      createBackend: () => new CpuBackend(),
      filter: /^(ops|gradients)\/gelu$/,
      log: () => {},
    });
    expect([r.passed, r.failed]).toEqual([2, 0]);
  });
});
