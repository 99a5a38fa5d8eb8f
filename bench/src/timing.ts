/** How one implementation fared at one size. */
export interface Timing {
  /** Median wall time of the timed runs, in milliseconds. */
  readonly ms: number;
  readonly runs: number;
}

export interface TimingOptions {
  /** Untimed runs first (JIT tier-up, scratch buffers, thread pools): at least this many... */
  readonly warmup: number;
  /** ...and until this much time has passed. */
  readonly warmupMs: number;
  /** Timed runs wanted; fewer are made once `budgetMs` of timed runs has been spent (at least one). */
  readonly runs: number;
  readonly budgetMs: number;
}

/**
 * Median time of `fn`. A call that takes longer than the whole budget is not warmed up again:
 * its warm-up run, which already ran on JIT-compiled code from the smaller sizes, is the sample.
 */
export async function time(fn: () => unknown, options: TimingOptions): Promise<Timing> {
  const samples: number[] = [];
  const warmupStart = performance.now();
  for (let i = 0; i < options.warmup || performance.now() - warmupStart < options.warmupMs; i++) {
    const start = performance.now();
    await fn();
    const ms = performance.now() - start;
    if (ms > options.budgetMs) {
      samples.push(ms);
      break;
    }
  }
  let spent = 0;
  while (samples.length < options.runs && (samples.length === 0 || spent < options.budgetMs)) {
    const start = performance.now();
    await fn();
    const ms = performance.now() - start;
    samples.push(ms);
    spent += ms;
  }
  samples.sort((x, y) => x - y);
  const mid = samples.length >> 1;
  const ms = samples.length % 2 === 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { ms, runs: samples.length };
}

/** Prints rows as a plain-text table with right-aligned columns after the first. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}
