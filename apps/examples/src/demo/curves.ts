/** The loss curves of the runs as a PNG line chart. */
import { writeFileAtomic } from '@peftjs/core/node';
import { encodePng, lineChart } from '@peftjs/cli/plot';
import type { RunSummary } from './report.js';

/** The mean of each value and the `window − 1` before it (fewer at the start). */
export function runningMean(values: readonly number[], window: number): number[] {
  let sum = 0;
  return values.map((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window];
    return sum / Math.min(i + 1, window);
  });
}

/** Writes the training loss of every run against the step (a running mean, so the trend shows through batch noise). */
export async function writeLossCurves(path: string, runs: readonly RunSummary[], title: string): Promise<void> {
  const steps = Math.max(...runs.map((r) => r.losses.length));
  const window = Math.max(1, Math.round(steps / 10));
  const chart = lineChart({
    title,
    xLabel: 'step',
    yLabel: window > 1 ? `training loss (cross-entropy, running mean of ${window} steps)` : 'training loss (cross-entropy)',
    series: runs.map((r) => ({ name: r.name, points: runningMean(r.losses, window).map((y, i) => [i + 1, y] as [number, number]) })),
  });
  await writeFileAtomic(path, encodePng(chart));
}
