import { writeFileAtomic } from '@peftjs/core/node';
import type { LogEntry } from '@peftjs/core';
import { encodePng, lineChart, type Series } from './plot/index.js';

/** The training loss (and the held-out loss where evaluated) against the step, as a PNG. */
export async function writeLossCurve(path: string, history: readonly LogEntry[], title: string): Promise<void> {
  const points = (key: 'loss' | 'evalLoss') =>
    history.filter((e) => e[key] !== undefined).map((e) => [e.step, e[key]!] as [number, number]);
  const series: Series[] = [{ name: 'training loss', points: points('loss') }];
  const held = points('evalLoss');
  if (held.length > 0) series.push({ name: 'held-out loss', points: held });
  await writeFileAtomic(path, encodePng(lineChart({ title, xLabel: 'step', yLabel: 'cross-entropy', series })));
}
