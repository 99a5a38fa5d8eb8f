import { describe, expect, it } from 'vitest';
import { ProgressCallback, percentDone, type CallbackArgs, type TrainerState } from '../src/index.js';

// The callback reads only the state, so a plain object stands in for the Trainer around it.
function drive(progress: ProgressCallback, maxSteps: number, onStep?: (step: number) => void): void {
  const state: TrainerState = {
    globalStep: 0,
    epoch: 0,
    maxSteps,
    logHistory: [],
    bestMetric: null,
    numInputTokensSeen: 0,
    numSamplesSeen: 0,
  };
  const args = { state } as unknown as CallbackArgs;
  progress.onTrainBegin(args);
  for (let step = 1; step <= maxSteps; step++) {
    state.globalStep = step;
    state.numSamplesSeen += 8;
    onStep?.(step);
    progress.onLog({ ...args, logs: { step, epoch: 0, loss: 1 / step } });
    progress.onStepEnd(args);
  }
  progress.onTrainEnd();
}

describe('ProgressCallback', () => {
  it('shows the exact whole percentage: step 29 of 100 is 29%', () => {
    const progress = new ProgressCallback({ stream: { write: () => undefined }, now: () => 0 });
    expect(progress.line(29, 100, 0, 0)).toMatch(/^step 29\/100 \[#{7}-{17}\] 29% /);
    // each of these is one below the whole number in floating point (0.29 * 100 = 28.999999999999996)
    for (const [step, total, percent] of [
      [29, 100, 29],
      [57, 100, 57],
      [58, 100, 58],
      [7, 700, 1],
      [1, 3, 33],
      [2, 3, 66],
      [3, 3, 100],
    ]) {
      expect(percentDone(step, total), `${step}/${total}`).toBe(percent);
    }
    // p is the whole percentage when p·total ≤ 100·step < (p + 1)·total (integers, so exact)
    const wrong: string[] = [];
    for (let total = 1; total <= 300; total++) {
      for (let step = 0; step <= total; step++) {
        const p = percentDone(step, total);
        if (!(p * total <= 100 * step && 100 * step < (p + 1) * total) && !(step === total && p === 100))
          wrong.push(`${step}/${total}: ${p}%`);
      }
    }
    expect(wrong).toEqual([]);
    expect(percentDone(0, 0)).toBe(100);
    expect(percentDone(120, 100)).toBe(100);
  });

  it('redraws one line with \\r on a terminal', () => {
    let written = '';
    let clock = 0;
    drive(
      new ProgressCallback({ stream: { write: (s) => (written += s), isTTY: true }, now: () => clock, barWidth: 10 }),
      4,
      () => (clock += 500),
    );
    expect(written.startsWith('\r')).toBe(true);
    const lines = written.split('\r').filter(Boolean);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^step 2\/4 \[#####-----\] 50% \| loss 0\.5000 \| 16\.0 samples\/s \| 00:01<00:01$/);
    expect(lines[3]).toMatch(/^step 4\/4 \[##########\] 100% .*\n$/);
  });

  it('prints plain lines, one every tenth of the run and the last, when the stream is not a terminal', () => {
    let written = '';
    drive(new ProgressCallback({ stream: { write: (s) => (written += s) }, now: () => 0 }), 100);
    expect(written).not.toContain('\r');
    const lines = written.trimEnd().split('\n');
    expect(lines.map((l) => /^step (\d+)\/100 .* (\d+)% /.exec(l)!.slice(1).join(' '))).toEqual(
      Array.from({ length: 10 }, (_, i) => `${10 * (i + 1)} ${10 * (i + 1)}`),
    );
    expect(written.endsWith('\n')).toBe(true);
  });

  it('prints every step of a short run and the last step of a run with uneven tenths', () => {
    const steps = (total: number, options = {}) => {
      let written = '';
      drive(new ProgressCallback({ stream: { write: (s) => (written += s) }, now: () => 0, ...options }), total);
      return written
        .trimEnd()
        .split('\n')
        .map((l) => Number(/^step (\d+)\//.exec(l)![1]));
    };
    expect(steps(3)).toEqual([1, 2, 3]);
    expect(steps(25)).toEqual([3, 5, 8, 10, 13, 15, 18, 20, 23, 25]);
    expect(steps(1000).length).toBe(10);
    expect(steps(7, { lineEveryPercent: 50 })).toEqual([4, 7]);
    expect(steps(4, { redraw: false })).toEqual([1, 2, 3, 4]);
  });

  it('names a bad option', () => {
    expect(() => new ProgressCallback({ lineEveryPercent: 0 })).toThrow(
      'ProgressCallback: lineEveryPercent must be an integer from 1 to 100, got 0',
    );
    expect(() => new ProgressCallback({ barWidth: -1 })).toThrow('ProgressCallback: barWidth must be an integer >= 1, got -1');
  });
});
