import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  LambdaLR,
  getConstantSchedule,
  getConstantScheduleWithWarmup,
  getCosineScheduleWithWarmup,
  getLinearScheduleWithWarmup,
  type SchedulableOptimizer,
} from '../src/index.js';

// Schedules only touch `paramGroups[i].options.lr`, so a plain object stands in for the optimizer.
const groups = (...lrs: number[]): SchedulableOptimizer & { paramGroups: { options: { lr: number } }[] } => ({
  paramGroups: lrs.map((lr) => ({ options: { lr } })),
});

function trace(scheduler: LambdaLR, steps: number): number[][] {
  const out = [scheduler.getLastLr()];
  for (let i = 0; i < steps; i++) {
    scheduler.step();
    out.push(scheduler.getLastLr());
  }
  return out;
}

interface Fixture {
  schedules: { name: string; args: number[]; baseLrs: number[]; lrs: number[][] }[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/training.json', import.meta.url), 'utf8')) as Fixture;
const makers: Record<string, (o: SchedulableOptimizer, ...a: number[]) => LambdaLR> = {
  getConstantSchedule: (o) => getConstantSchedule(o),
  getConstantScheduleWithWarmup: (o, w) => getConstantScheduleWithWarmup(o, w),
  getLinearScheduleWithWarmup: (o, w, t) => getLinearScheduleWithWarmup(o, w, t),
  getCosineScheduleWithWarmup: (o, w, t, c) => getCosineScheduleWithWarmup(o, w, t, c),
};

describe('lr schedules (transformers formulas, PyTorch LambdaLR)', () => {
  it('linear warmup then linear decay, by hand (base lr 1, warmup 2, total 6)', () => {
    const o = groups(1);
    const s = getLinearScheduleWithWarmup(o, 2, 6);
    // warmup: 0/2, 1/2; decay: (6−s)/4 for s = 2..6; then 0
    expect(trace(s, 7).map(([lr]) => lr)).toEqual([0, 0.5, 1, 0.75, 0.5, 0.25, 0, 0]);
    expect(o.paramGroups[0].options.lr).toBe(0);
  });

  it('cosine with warmup, by hand (warmup 1, total 5, half a cycle)', () => {
    const s = getCosineScheduleWithWarmup(groups(2), 1, 5);
    // s ≥ 1: 0.5·(1 + cos(π·(s−1)/4)) → 1, (1+√½)/2, 1/2, (1−√½)/2, 0
    const want = [0, 1, (1 + Math.SQRT1_2) / 2, 0.5, (1 - Math.SQRT1_2) / 2, 0].map((x) => 2 * x);
    trace(s, 5).forEach(([lr], i) => expect(lr).toBeCloseTo(want[i], 14));
  });

  it('constant with warmup, by hand, keeps each group’s base lr (LoRA+ ratios)', () => {
    const s = getConstantScheduleWithWarmup(groups(0.1, 2), 4);
    const t = trace(s, 5);
    expect(t.map((r) => r[1] / 2)).toEqual([0, 0.25, 0.5, 0.75, 1, 1]);
    expect(t[2][0]).toBeCloseTo(0.05, 15);
  });

  for (const c of fixture.schedules) {
    it(`${c.name}(${c.args.join(', ')}) matches PyTorch LambdaLR step by step`, () => {
      const s = makers[c.name](groups(...c.baseLrs), ...c.args);
      const got = trace(s, c.lrs.length - 1);
      got.forEach((row, step) => row.forEach((lr, g) => expect(lr, `step ${step}, group ${g}`).toBeCloseTo(c.lrs[step][g], 14)));
    });
  }

  it('stateDict / loadStateDict resume the schedule and set the optimizer lrs', () => {
    const a = getCosineScheduleWithWarmup(groups(0.3, 0.6), 2, 10);
    trace(a, 4);
    const o = groups(0.3, 0.6);
    const b = getCosineScheduleWithWarmup(o, 2, 10);
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(b.getLastLr()).toEqual(a.getLastLr());
    expect(o.paramGroups.map((g) => g.options.lr)).toEqual(a.getLastLr());
    a.step();
    b.step();
    expect(b.getLastLr()).toEqual(a.getLastLr());
    expect(() => b.loadStateDict({ lastEpoch: 1, baseLrs: [1], lastLr: [1] })).toThrow(/1 base lrs, the optimizer has 2 groups/);
  });

  it('a LambdaLR with one lambda per group', () => {
    const s = new LambdaLR(groups(1, 1), [(n) => n, (n) => 2 * n]);
    s.step();
    expect(s.getLastLr()).toEqual([1, 2]);
    expect(() => new LambdaLR(groups(1), [(n) => n, (n) => n])).toThrow(/2 lambdas for 1 parameter groups/);
    expect(() => getLinearScheduleWithWarmup(groups(1), -1, 3)).toThrow(/numWarmupSteps/);
  });
});
