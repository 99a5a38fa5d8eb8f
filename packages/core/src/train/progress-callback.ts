import type { CallbackArgs, LogEntry, TrainerCallback } from './callback.js';

export interface WritableLike {
  write(s: string): unknown;
}

export interface ProgressOptions {
  /** Where the line goes (default: process.stdout when present). */
  stream?: WritableLike;
  /** Width of the bar in characters (default 24). */
  barWidth?: number;
  /** Clock in ms (default performance.now); for tests. */
  now?: () => number;
}

function defaultStream(): WritableLike | null {
  const p = (globalThis as { process?: { stdout?: WritableLike } }).process;
  return p?.stdout && typeof p.stdout.write === 'function' ? p.stdout : null;
}

/** 75 s → "01:15", 3725 s → "1:02:05". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function formatRate(perSecond: number): string {
  return perSecond >= 1000 ? `${(perSecond / 1000).toFixed(1)}k` : perSecond.toFixed(1);
}

/**
 * A terminal progress line, redrawn after every step:
 * `step 12/100 [##----] 12% | loss 2.3456 | 850.0 tok/s | 00:12<01:28`. Tokens per second when the
 * batches carry input ids, samples per second otherwise; the loss is the last logged one.
 */
export class ProgressCallback implements TrainerCallback {
  private readonly stream: WritableLike | null;
  private readonly barWidth: number;
  private readonly now: () => number;
  private start = 0;
  private startStep = 0;
  private startTokens = 0;
  private startSamples = 0;
  private lastLoss: number | undefined;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? defaultStream();
    this.barWidth = options.barWidth ?? 24;
    this.now = options.now ?? (() => performance.now());
  }

  onTrainBegin({ state }: CallbackArgs): void {
    this.start = this.now();
    this.startStep = state.globalStep;
    this.startTokens = state.numInputTokensSeen;
    this.startSamples = state.numSamplesSeen;
  }

  onLog({ logs }: CallbackArgs & { logs: LogEntry }): void {
    if (logs.loss !== undefined) this.lastLoss = logs.loss;
  }

  onStepEnd({ state }: CallbackArgs): void {
    this.stream?.write(`\r${this.line(state.globalStep, state.maxSteps, state.numInputTokensSeen, state.numSamplesSeen)}`);
  }

  onEvaluate({ metrics }: CallbackArgs & { metrics: Record<string, number> }): void {
    const parts = Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`);
    this.stream?.write(`\n${parts.join(' | ')}\n`);
  }

  onTrainEnd(): void {
    this.stream?.write('\n');
  }

  /** The progress line for `step` of `total`. */
  line(step: number, total: number, tokens: number, samples: number): string {
    const elapsed = (this.now() - this.start) / 1000;
    const done = step - this.startStep;
    const fraction = total > 0 ? Math.min(1, step / total) : 1;
    const filled = Math.round(fraction * this.barWidth);
    const bar = '#'.repeat(filled) + '-'.repeat(this.barWidth - filled);
    const parts = [`step ${step}/${total} [${bar}] ${Math.floor(fraction * 100)}%`];
    if (this.lastLoss !== undefined) parts.push(`loss ${this.lastLoss.toFixed(4)}`);
    if (elapsed > 0) {
      const newTokens = tokens - this.startTokens;
      parts.push(newTokens > 0 ? `${formatRate(newTokens / elapsed)} tok/s` : `${formatRate((samples - this.startSamples) / elapsed)} samples/s`);
    }
    const left = done > 0 ? (elapsed / done) * (total - step) : NaN;
    parts.push(`${formatDuration(elapsed)}<${formatDuration(left)}`);
    return parts.join(' | ');
  }
}
