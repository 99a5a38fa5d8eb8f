import type { CallbackArgs, TrainerCallback } from './callback.js';

export interface EarlyStoppingOptions {
  /** Evaluations without improvement before stopping (default 1). */
  patience?: number;
  /** How much better than the best a metric must be to count as an improvement (default 0). */
  threshold?: number;
  /** The metric watched (default `evalLoss`). */
  metric?: string;
  /** Whether larger is better (default false, for losses). */
  greaterIsBetter?: boolean;
}

/** transformers' EarlyStoppingCallback: stops training when the eval metric stops improving. */
export class EarlyStoppingCallback implements TrainerCallback {
  readonly patience: number;
  readonly threshold: number;
  readonly metric: string;
  readonly greaterIsBetter: boolean;
  /** Evaluations since the last improvement. */
  patienceCounter = 0;
  best: number | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    this.patience = options.patience ?? 1;
    this.threshold = options.threshold ?? 0;
    this.metric = options.metric ?? 'evalLoss';
    this.greaterIsBetter = options.greaterIsBetter ?? false;
    if (!Number.isInteger(this.patience) || this.patience < 1)
      throw new RangeError(`EarlyStoppingCallback: patience must be an integer >= 1, got ${options.patience}`);
    if (!(this.threshold >= 0)) throw new RangeError(`EarlyStoppingCallback: threshold must be >= 0, got ${options.threshold}`);
  }

  onEvaluate({ state, control, metrics }: CallbackArgs & { metrics: Record<string, number> }): void {
    const value = metrics[this.metric];
    if (value === undefined) {
      throw new Error(`EarlyStoppingCallback: the evaluation has no metric '${this.metric}' (it has ${Object.keys(metrics).join(', ')})`);
    }
    const improved = this.best === null || (this.greaterIsBetter ? value > this.best + this.threshold : value < this.best - this.threshold);
    if (improved) {
      this.best = value;
      state.bestMetric = value;
      this.patienceCounter = 0;
    } else if (++this.patienceCounter >= this.patience) {
      control.shouldStop = true;
    }
  }

  stateDict(): Record<string, unknown> {
    return { patienceCounter: this.patienceCounter, best: this.best };
  }

  loadStateDict(state: Record<string, unknown>): void {
    this.patienceCounter = Number(state.patienceCounter ?? 0);
    this.best = state.best === null || state.best === undefined ? null : Number(state.best);
  }
}
