/** What a scheduler needs of an optimizer: groups whose `options.lr` it may set. */
export interface SchedulableOptimizer {
  readonly paramGroups: readonly { options: { lr: number } }[];
}

export type LrLambda = (step: number) => number;

export interface LRSchedulerState {
  lastEpoch: number;
  baseLrs: number[];
  lastLr: number[];
}

/**
 * PyTorch's LambdaLR: the lr of group i is baseLrs[i] · λ_i(lastEpoch). The base lrs are the groups'
 * lrs at construction (so LoRA+ groups keep their ratio). Like PyTorch, constructing applies
 * λ(0) at once, and `step()` is called after each `optimizer.step()`.
 */
export class LambdaLR {
  readonly baseLrs: number[];
  lastEpoch: number;
  private readonly lambdas: LrLambda[];
  private lastLr: number[] = [];

  constructor(
    readonly optimizer: SchedulableOptimizer,
    lrLambda: LrLambda | readonly LrLambda[],
    lastEpoch = -1,
  ) {
    const groups = optimizer.paramGroups;
    if (Array.isArray(lrLambda) && lrLambda.length !== groups.length) {
      throw new RangeError(`LambdaLR: ${lrLambda.length} lambdas for ${groups.length} parameter groups`);
    }
    this.lambdas = groups.map((_, i) => (Array.isArray(lrLambda) ? lrLambda[i] : (lrLambda as LrLambda)));
    this.baseLrs = groups.map((g) => g.options.lr);
    this.lastEpoch = lastEpoch;
    this.step();
  }

  /** Advances one step and writes the new lrs into the optimizer's groups. */
  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  /** The lrs set by the last step, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): LRSchedulerState {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: this.getLastLr() };
  }

  /** Resumes at the saved step (and sets the optimizer's lrs to match). */
  loadStateDict(state: LRSchedulerState): void {
    if (!state || !Number.isInteger(state.lastEpoch) || !Array.isArray(state.baseLrs)) {
      throw new TypeError('LambdaLR.loadStateDict: expected { lastEpoch, baseLrs, lastLr }');
    }
    if (state.baseLrs.length !== this.baseLrs.length) {
      throw new RangeError(
        `LambdaLR.loadStateDict: the state has ${state.baseLrs.length} base lrs, the optimizer has ${this.baseLrs.length} groups`,
      );
    }
    this.baseLrs.splice(0, this.baseLrs.length, ...state.baseLrs);
    this.lastEpoch = state.lastEpoch;
    this.apply();
  }

  private apply(): void {
    this.lastLr = this.baseLrs.map((base, i) => base * this.lambdas[i](this.lastEpoch));
    this.optimizer.paramGroups.forEach((g, i) => (g.options.lr = this.lastLr[i]));
  }
}

export type LRScheduler = LambdaLR;

function checkSteps(name: string, warmup: number, total?: number): void {
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`${name}: numWarmupSteps must be an integer >= 0, got ${warmup}`);
  if (total !== undefined && (!Number.isInteger(total) || total < 0)) {
    throw new RangeError(`${name}: numTrainingSteps must be an integer >= 0, got ${total}`);
  }
}

const warmupFactor = (step: number, warmup: number) => step / Math.max(1, warmup);

/** A constant lr (transformers' `get_constant_schedule`). */
export function getConstantSchedule(optimizer: SchedulableOptimizer, lastEpoch = -1): LambdaLR {
  return new LambdaLR(optimizer, () => 1, lastEpoch);
}

/** Linear warmup from 0 over `numWarmupSteps`, then constant. */
export function getConstantScheduleWithWarmup(optimizer: SchedulableOptimizer, numWarmupSteps: number, lastEpoch = -1): LambdaLR {
  checkSteps('getConstantScheduleWithWarmup', numWarmupSteps);
  return new LambdaLR(optimizer, (s) => (s < numWarmupSteps ? warmupFactor(s, numWarmupSteps) : 1), lastEpoch);
}

/** Linear warmup from 0, then linear decay to 0 at `numTrainingSteps`. */
export function getLinearScheduleWithWarmup(
  optimizer: SchedulableOptimizer,
  numWarmupSteps: number,
  numTrainingSteps: number,
  lastEpoch = -1,
): LambdaLR {
  checkSteps('getLinearScheduleWithWarmup', numWarmupSteps, numTrainingSteps);
  return new LambdaLR(
    optimizer,
    (s) =>
      s < numWarmupSteps
        ? warmupFactor(s, numWarmupSteps)
        : Math.max(0, (numTrainingSteps - s) / Math.max(1, numTrainingSteps - numWarmupSteps)),
    lastEpoch,
  );
}

/**
 * Linear warmup from 0, then a cosine from the base lr down to 0 over the remaining steps
 * (`numCycles` = 0.5 is half a period: one decay, no restart).
 */
export function getCosineScheduleWithWarmup(
  optimizer: SchedulableOptimizer,
  numWarmupSteps: number,
  numTrainingSteps: number,
  numCycles = 0.5,
  lastEpoch = -1,
): LambdaLR {
  checkSteps('getCosineScheduleWithWarmup', numWarmupSteps, numTrainingSteps);
  return new LambdaLR(
    optimizer,
    (s) => {
      if (s < numWarmupSteps) return warmupFactor(s, numWarmupSteps);
      const progress = (s - numWarmupSteps) / Math.max(1, numTrainingSteps - numWarmupSteps);
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
    },
    lastEpoch,
  );
}
