import { Tensor } from '../tensor.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/lr-scheduler.js';
import { clipGradNorm } from '../optim/clip-grad.js';
import type { DataLoaderState } from '../data/data-loader.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, div, mul } from '../ops/binary.js';
import { detach } from '../ops/views.js';
import { scalar } from '../ops/creation.js';
import { keep, Scope, withScope } from '../memory/scope.js';
import { withGenerator } from '../engine.js';
import { Generator } from '../random/generator.js';
import { Dropout } from '../nn/dropout.js';
import { parseTrainerState } from './trainer-state-file.js';
import type { CallbackArgs, LogEntry, TrainerCallback, TrainerControl, TrainerState } from './callback.js';
import { getDefaultCheckpointStore, type CheckpointStore } from './checkpoint-store.js';
import { checkpointFiles, restoreCheckpoint } from './checkpoint.js';

/** What the Trainer needs of a loader (a `DataLoader` is one): batches, epochs and a resumable position. */
export interface BatchLoader<B> extends Iterable<B> {
  readonly length: number;
  readonly epoch: number;
  readonly index: number;
  nextBatch(): B;
  stateDict(): DataLoaderState;
  loadStateDict(state: DataLoaderState): void;
}

export interface TrainerOptions<B> {
  model: Module;
  optimizer: Optimizer<any>;
  /** Stepped once per optimizer step. */
  scheduler?: LRScheduler;
  trainLoader: BatchLoader<B>;
  evalLoader?: Iterable<B>;
  /** The loss of a batch (default: `model.forward(batch).loss`). */
  computeLoss?: (model: Module, batch: B) => Tensor;
  /** Micro-batches per optimizer step; each loss is divided by it (default 1). */
  gradientAccumulationSteps?: number;
  /** Clip the total gradient norm to this before each step; 0 turns clipping off (default 1, as transformers). */
  maxGradNorm?: number;
  /** Optimizer steps to run; overrides numEpochs. */
  maxSteps?: number;
  /** Passes over the training loader when maxSteps is not given (default 3, as transformers). */
  numEpochs?: number;
  /** Evaluate every this many steps (needs evalLoader). */
  evalSteps?: number;
  /** Log the mean loss every this many steps (default 10; each log reads the loss back). */
  loggingSteps?: number;
  /** Save a checkpoint to `${outputDir}/checkpoint-${step}` every this many steps. */
  saveSteps?: number;
  outputDir?: string;
  callbacks?: TrainerCallback[];
  /** A checkpoint folder to resume from at the start of `train()`. */
  resumeFromCheckpoint?: string;
  /** Where checkpoints are written (default: the one `@peftjs/core/node` registers). */
  checkpointStore?: CheckpointStore;
  /**
   * Seed of this Trainer's own Philox stream (default 42, as transformers): the random ops of each
   * step (dropout) draw from it, so Trainers running side by side do not disturb each other. Its
   * state is saved in the checkpoint.
   */
  seed?: number;
}

export interface TrainOutput {
  globalStep: number;
  /** Mean loss over the steps of this call. */
  trainingLoss: number;
}

function defaultComputeLoss(model: Module, batch: unknown): Tensor {
  const out = model.forward(batch) as { loss?: unknown } | null;
  if (!out || !(out.loss instanceof Tensor)) {
    throw new TypeError('Trainer: model.forward(batch) returned no `loss` tensor; pass computeLoss(model, batch)');
  }
  return out.loss;
}

/** Samples (first dimension) and tokens (`inputIds`/`input_ids` elements) of a batch. */
function countBatch(batch: unknown): { samples: number; tokens: number } {
  const first = (x: unknown): Tensor | undefined => {
    if (x instanceof Tensor) return x;
    if (Array.isArray(x)) return x.map(first).find(Boolean);
    if (x && typeof x === 'object') return Object.values(x).map(first).find(Boolean);
    return undefined;
  };
  const t = first(batch);
  const record = batch && typeof batch === 'object' ? (batch as Record<string, unknown>) : {};
  const ids = record.inputIds ?? record.input_ids;
  return { samples: t && t.rank > 0 ? t.shape[0] : 1, tokens: ids instanceof Tensor ? ids.size : 0 };
}

function positive(name: string, value: number | undefined, min = 1): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min))
    throw new RangeError(`Trainer: ${name} must be an integer >= ${min}, got ${value}`);
}

/**
 * transformers' Trainer for peft.js models: gradient accumulation, clipping, an lr schedule,
 * periodic logging and evaluation, callbacks, and checkpoints that resume bit for bit. Every step
 * runs in a memory scope, so the live tensor count stays flat.
 */
export class Trainer<B = unknown> {
  readonly model: Module;
  readonly optimizer: Optimizer<any>;
  readonly scheduler?: LRScheduler;
  readonly callbacks: TrainerCallback[];
  readonly state: TrainerState;
  readonly control: TrainerControl = { shouldStop: false, shouldEvaluate: false, shouldLog: false, shouldSave: false };
  private readonly options: TrainerOptions<B>;
  private readonly accumulation: number;
  /** Sum of step losses since the last log, and how many steps it holds. */
  private lossSinceLog: Tensor | null = null;
  private stepsSinceLog = 0;
  private lastGradNorm: Tensor | null = null;
  private lossTotal = 0;
  private stepsTotal = 0;
  /** This Trainer's Philox stream (see TrainerOptions.seed). */
  readonly generator: Generator;

  constructor(options: TrainerOptions<B>) {
    this.options = options;
    this.model = options.model;
    this.optimizer = options.optimizer;
    this.scheduler = options.scheduler;
    this.callbacks = options.callbacks ?? [];
    this.accumulation = options.gradientAccumulationSteps ?? 1;
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed))
      throw new RangeError(`Trainer: seed must be an integer, got ${options.seed}`);
    this.generator = new Generator(options.seed ?? 42);
    positive('gradientAccumulationSteps', options.gradientAccumulationSteps);
    positive('maxSteps', options.maxSteps);
    positive('evalSteps', options.evalSteps);
    positive('loggingSteps', options.loggingSteps);
    positive('saveSteps', options.saveSteps);
    if (options.numEpochs !== undefined && !(options.numEpochs > 0))
      throw new RangeError(`Trainer: numEpochs must be > 0, got ${options.numEpochs}`);
    if (options.maxGradNorm !== undefined && !(options.maxGradNorm >= 0))
      throw new RangeError(`Trainer: maxGradNorm must be >= 0, got ${options.maxGradNorm}`);
    if (options.evalSteps && !options.evalLoader) throw new Error('Trainer: evalSteps needs an evalLoader');
    if (options.saveSteps && !options.outputDir) throw new Error('Trainer: saveSteps needs an outputDir');
    const stepsPerEpoch = Math.max(1, Math.floor(options.trainLoader.length / this.accumulation));
    this.state = {
      globalStep: 0,
      epoch: 0,
      maxSteps: options.maxSteps ?? Math.ceil((options.numEpochs ?? 3) * stepsPerEpoch),
      logHistory: [],
      bestMetric: null,
      numInputTokensSeen: 0,
      numSamplesSeen: 0,
    };
  }

  private args(): CallbackArgs {
    return { trainer: this as unknown as Trainer, state: this.state, control: this.control };
  }

  private async emit<K extends keyof TrainerCallback>(hook: K, extra: Record<string, unknown> = {}): Promise<void> {
    for (const cb of this.callbacks) {
      const fn = cb[hook] as ((a: CallbackArgs) => void | Promise<void>) | undefined;
      if (fn) await fn.call(cb, { ...this.args(), ...extra });
    }
  }

  /** Runs the training loop until maxSteps (or a callback's shouldStop). */
  async train(): Promise<TrainOutput> {
    if (this.options.resumeFromCheckpoint) await this.loadCheckpoint(this.options.resumeFromCheckpoint);
    this.control.shouldStop = false;
    this.lossTotal = 0;
    this.stepsTotal = 0;
    this.model.train();
    await this.emit('onTrainBegin');
    while (this.state.globalStep < this.state.maxSteps && !this.control.shouldStop) {
      this.trainingStep();
      this.state.globalStep++;
      const loader = this.options.trainLoader;
      this.state.epoch = loader.epoch + loader.index / Math.max(1, loader.length);
      const step = this.state.globalStep;
      const o = this.options;
      const last = step >= this.state.maxSteps;
      this.control.shouldLog = step % (o.loggingSteps ?? 10) === 0 || last;
      this.control.shouldEvaluate = !!o.evalSteps && step % o.evalSteps === 0;
      this.control.shouldSave = !!o.saveSteps && step % o.saveSteps === 0;
      await this.emit('onStepEnd');
      if (this.control.shouldLog) await this.logLoss();
      if (this.control.shouldEvaluate) await this.evaluate();
      if (this.control.shouldSave) await this.saveCheckpoint(`${o.outputDir}/checkpoint-${step}`);
    }
    if (this.stepsSinceLog > 0) await this.logLoss();
    this.lastGradNorm?.dispose();
    this.lastGradNorm = null;
    await this.emit('onTrainEnd');
    return { globalStep: this.state.globalStep, trainingLoss: this.stepsTotal ? this.lossTotal / this.stepsTotal : NaN };
  }

  /** One optimizer step over `gradientAccumulationSteps` micro-batches, inside its own scope and stream. */
  private trainingStep(): void {
    const s = new Scope({ bound: false });
    try {
      s.run(() => withGenerator(this.generator, () => this.stepInScope()));
    } finally {
      s.dispose();
    }
  }

  private stepInScope(): void {
    {
      let stepLoss: Tensor | null = null;
      for (let micro = 0; micro < this.accumulation; micro++) {
        const batch = this.options.trainLoader.nextBatch();
        const counts = countBatch(batch);
        this.state.numSamplesSeen += counts.samples;
        this.state.numInputTokensSeen += counts.tokens;
        const loss = (this.options.computeLoss ?? defaultComputeLoss)(this.model, batch);
        const scaled = this.accumulation === 1 ? loss : div(loss, this.accumulation);
        scaled.backward();
        const value = detach(scaled);
        stepLoss = stepLoss ? add(stepLoss, value) : value;
      }
      const maxNorm = this.options.maxGradNorm ?? 1;
      if (maxNorm > 0) {
        this.lastGradNorm?.dispose();
        this.lastGradNorm = keep(clipGradNorm(this.model.parameters(), maxNorm));
      }
      this.optimizer.step();
      this.scheduler?.step();
      this.optimizer.zeroGrad();
      this.model.zeroGrad();
      const sum: Tensor = noGrad(() => (this.lossSinceLog ? add(this.lossSinceLog, stepLoss!) : mul(stepLoss!, 1)));
      this.lossSinceLog?.dispose();
      this.lossSinceLog = keep(sum);
      this.stepsSinceLog++;
    }
  }

  private async logLoss(): Promise<void> {
    if (!this.lossSinceLog || this.stepsSinceLog === 0) return;
    const sum = await this.lossSinceLog.item();
    const entry: LogEntry = { step: this.state.globalStep, epoch: this.state.epoch, loss: sum / this.stepsSinceLog };
    if (this.lastGradNorm) entry.gradNorm = await this.lastGradNorm.item();
    entry.learningRate = this.optimizer.paramGroups[0].options.lr;
    this.lossTotal += sum;
    this.stepsTotal += this.stepsSinceLog;
    this.lossSinceLog.dispose();
    this.lossSinceLog = null;
    this.stepsSinceLog = 0;
    await this.log(entry);
  }

  /** Appends to the log history and calls onLog. */
  async log(entry: LogEntry): Promise<void> {
    this.state.logHistory.push(entry);
    await this.emit('onLog', { logs: entry });
  }

  /** Mean loss over the eval loader (weighted by batch size) as `evalLoss`, under noGrad and eval mode. */
  async evaluate(): Promise<Record<string, number>> {
    const loader = this.options.evalLoader;
    if (!loader) throw new Error('Trainer.evaluate: no evalLoader was given');
    const wasTraining = this.model.training;
    this.model.eval();
    let total = 0;
    let samples = 0;
    try {
      const batches = loader[Symbol.iterator]();
      for (;;) {
        // the batch is made inside the scope too, so its tensors are freed with the loss
        const done = await withScope(async () => {
          const next = batches.next();
          if (next.done) return true;
          const loss = noGrad(() => (this.options.computeLoss ?? defaultComputeLoss)(this.model, next.value));
          const n = countBatch(next.value).samples;
          total += (await loss.item()) * n;
          samples += n;
          return false;
        });
        if (done) break;
      }
    } finally {
      this.model.train(wasTraining);
    }
    const metrics = { evalLoss: total / Math.max(1, samples) };
    await this.log({ step: this.state.globalStep, epoch: this.state.epoch, ...metrics });
    await this.emit('onEvaluate', { metrics });
    return metrics;
  }

  private store(op: string): CheckpointStore {
    const store = this.options.checkpointStore ?? getDefaultCheckpointStore();
    if (!store) throw new Error(`Trainer.${op}: no checkpoint store; import '@peftjs/core/node' in Node or pass options.checkpointStore`);
    return store;
  }

  /** Saves everything needed to resume exactly: weights, optimizer, scheduler, RNG, loader position, state. */
  async saveCheckpoint(dir: string): Promise<void> {
    const store = this.store('saveCheckpoint');
    const trainerState = {
      ...this.state,
      trainLoader: this.options.trainLoader.stateDict(),
      lossSinceLog: this.lossSinceLog ? await this.lossSinceLog.item() : null,
      stepsSinceLog: this.stepsSinceLog,
      callbacks: this.callbacks.map((cb) => cb.stateDict?.() ?? null),
    };
    const files = await checkpointFiles({
      model: this.model,
      optimizer: this.optimizer,
      scheduler: this.scheduler,
      generators: this.generators(),
      trainerState,
    });
    await store.write(dir, files);
    await this.emit('onSave', { dir });
  }

  /** The named Philox streams a checkpoint saves: this Trainer's and each distinct Dropout stream of the model. */
  private generators(): Map<string, Generator> {
    const out = new Map<string, Generator>([['trainer', this.generator]]);
    const seen = new Set<Generator>([this.generator]);
    for (const [name, m] of this.model.namedModules()) {
      if (m instanceof Dropout && m.generator && !seen.has(m.generator)) {
        seen.add(m.generator);
        out.set(`dropout:${name}`, m.generator);
      }
    }
    return out;
  }

  /**
   * Restores a checkpoint written by saveCheckpoint (train() calls it for resumeFromCheckpoint), all
   * or nothing: every file is checked first, and if any part fails (a bad loader position, a bad
   * trainer_state.json) the model, optimizer, scheduler, loader and step stay as they were.
   */
  async loadCheckpoint(dir: string): Promise<void> {
    const store = this.store('loadCheckpoint');
    const loader = this.options.trainLoader;
    const loaderBefore = loader.stateDict();
    let parsed: ReturnType<typeof parseTrainerState> | undefined;
    await restoreCheckpoint(
      { model: this.model, optimizer: this.optimizer, scheduler: this.scheduler, generators: this.generators() },
      (name) => store.read(dir, name),
      (saved) => {
        parsed = parseTrainerState(saved);
        try {
          loader.loadStateDict(parsed.trainLoader as never);
        } catch (e) {
          loader.loadStateDict(loaderBefore);
          throw e;
        }
      },
    );
    const { state, lossSinceLog, stepsSinceLog, callbacks } = parsed!;
    Object.assign(this.state, state);
    this.lossSinceLog?.dispose();
    this.lossSinceLog = lossSinceLog === null ? null : keep(scalar(lossSinceLog));
    this.stepsSinceLog = stepsSinceLog;
    callbacks.forEach((cbState, i) => {
      if (cbState) this.callbacks[i]?.loadStateDict?.(cbState);
    });
  }
}
