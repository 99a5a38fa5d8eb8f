import type { Trainer } from './trainer.js';

/** One entry of `trainer.state.logHistory` (transformers' `log_history`). */
export interface LogEntry {
  step: number;
  epoch: number;
  loss?: number;
  gradNorm?: number;
  learningRate?: number;
  [metric: string]: number | undefined;
}

/** Progress of a run (transformers' TrainerState); saved in checkpoints. */
export interface TrainerState {
  globalStep: number;
  /** Epochs done, fractional (loader epoch plus the share of its batches handed out). */
  epoch: number;
  maxSteps: number;
  logHistory: LogEntry[];
  bestMetric: number | null;
  numInputTokensSeen: number;
  numSamplesSeen: number;
}

/** Flags callbacks set to steer the loop (transformers' TrainerControl). */
export interface TrainerControl {
  shouldStop: boolean;
  shouldEvaluate: boolean;
  shouldLog: boolean;
  shouldSave: boolean;
}

export interface CallbackArgs {
  trainer: Trainer;
  state: TrainerState;
  control: TrainerControl;
}

/** transformers' TrainerCallback: every hook is optional and may be async. */
export interface TrainerCallback {
  onTrainBegin?(args: CallbackArgs): void | Promise<void>;
  onStepEnd?(args: CallbackArgs): void | Promise<void>;
  onEvaluate?(args: CallbackArgs & { metrics: Record<string, number> }): void | Promise<void>;
  onLog?(args: CallbackArgs & { logs: LogEntry }): void | Promise<void>;
  onSave?(args: CallbackArgs & { dir: string }): void | Promise<void>;
  onTrainEnd?(args: CallbackArgs): void | Promise<void>;
  /** A stateful callback's state, saved in checkpoints (JSON values only). */
  stateDict?(): Record<string, unknown>;
  loadStateDict?(state: Record<string, unknown>): void;
}
