import type { CallbackArgs, LogEntry, TrainerCallback } from './callback.js';

export interface WritableLike {
  write(s: string): unknown;
  /** True for a terminal (Node's `process.stdout.isTTY`): only there is the line redrawn in place. */
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** Where the line goes (default: process.stdout when present). */
  stream?: WritableLike;
  /** Width of the bar in characters (default 24). */
  barWidth?: number;
  /** Clock in ms (default performance.now); for tests. */
  now?: () => number;
  /**
   * Redraw one line with `\r` after every step (default: when the stream is a terminal). Otherwise a
   * plain line is printed each time another `lineEveryPercent` of the steps is done, and at the last step.
   */
  redraw?: boolean;
  /** Percent of the steps between two plain lines when not redrawing (default 10: about ten lines a run). */
  lineEveryPercent?: number;
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

/** The whole percentage done at `step` of `total`, exact in integers (29 of 100 is 29%, not 28%). */
export function percentDone(step: number, total: number): number {
  if (!(total > 0)) return 100;
  return Math.min(100, Math.max(0, Math.floor((100 * step) / total)));
}

/**
 * A progress line: `step 12/100 [##----] 12% | loss 2.3456 | 850.0 tok/s | 00:12<01:28`. Tokens per
 * second when the batches carry input ids, samples per second otherwise; the loss is the last logged
 * one. On a terminal it is redrawn after every step; into a file or a pipe (no `\r` there) it is
 * printed as plain lines, about one every tenth of the run.
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
  private readonly redraw: boolean;
  private readonly lineEveryPercent: number;
  /** The last step a plain line was printed for. */
  private printedStep = -1;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? defaultStream();
    this.barWidth = options.barWidth ?? 24;
    this.now = options.now ?? (() => performance.now());
    this.redraw = options.redraw ?? this.stream?.isTTY === true;
    this.lineEveryPercent = options.lineEveryPercent ?? 10;
    if (!Number.isInteger(this.barWidth) || this.barWidth < 1)
      throw new RangeError(`ProgressCallback: barWidth must be an integer >= 1, got ${options.barWidth}`);
    if (!Number.isInteger(this.lineEveryPercent) || this.lineEveryPercent < 1 || this.lineEveryPercent > 100) {
      throw new RangeError(`ProgressCallback: lineEveryPercent must be an integer from 1 to 100, got ${options.lineEveryPercent}`);
    }
  }

  onTrainBegin({ state }: CallbackArgs): void {
    this.start = this.now();
    this.startStep = state.globalStep;
    this.startTokens = state.numInputTokensSeen;
    this.startSamples = state.numSamplesSeen;
    this.printedStep = state.globalStep;
  }

  onLog({ logs }: CallbackArgs & { logs: LogEntry }): void {
    if (logs.loss !== undefined) this.lastLoss = logs.loss;
  }

  onStepEnd({ state }: CallbackArgs): void {
    const { globalStep: step, maxSteps: total } = state;
    if (this.redraw) {
      this.stream?.write(`\r${this.line(step, total, state.numInputTokensSeen, state.numSamplesSeen)}`);
    } else if (this.plainLineDue(step, total)) {
      this.printedStep = step;
      this.stream?.write(`${this.line(step, total, state.numInputTokensSeen, state.numSamplesSeen)}\n`);
    }
  }

  /** A plain line is due at the last step and whenever the run has crossed into another `lineEveryPercent`. */
  private plainLineDue(step: number, total: number): boolean {
    if (step === this.printedStep) return false;
    if (step >= total) return true;
    const slice = (s: number) => Math.floor(percentDone(s, total) / this.lineEveryPercent);
    return slice(step) > slice(this.printedStep);
  }

  onEvaluate({ metrics }: CallbackArgs & { metrics: Record<string, number> }): void {
    const parts = Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`);
    this.stream?.write(`${this.redraw ? '\n' : ''}${parts.join(' | ')}\n`);
  }

  onTrainEnd(): void {
    if (this.redraw) this.stream?.write('\n');
  }

  /** The progress line for `step` of `total`. */
  line(step: number, total: number, tokens: number, samples: number): string {
    const elapsed = (this.now() - this.start) / 1000;
    const done = step - this.startStep;
    const fraction = total > 0 ? Math.min(1, step / total) : 1;
    const filled = Math.round(fraction * this.barWidth);
    const bar = '#'.repeat(filled) + '-'.repeat(this.barWidth - filled);
    const parts = [`step ${step}/${total} [${bar}] ${percentDone(step, total)}%`];
    if (this.lastLoss !== undefined) parts.push(`loss ${this.lastLoss.toFixed(4)}`);
    if (elapsed > 0) {
      const newTokens = tokens - this.startTokens;
      parts.push(
        newTokens > 0 ? `${formatRate(newTokens / elapsed)} tok/s` : `${formatRate((samples - this.startSamples) / elapsed)} samples/s`,
      );
    }
    const left = done > 0 ? (elapsed / done) * (total - step) : NaN;
    parts.push(`${formatDuration(elapsed)}<${formatDuration(left)}`);
    return parts.join(' | ');
  }
}
