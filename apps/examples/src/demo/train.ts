/** One fine-tuning run through core's Trainer: AdamW, linear warm-up and decay, gradient clipping, a progress bar. */
import { AdamW, DataLoader, ProgressCallback, Trainer, getLinearScheduleWithWarmup, type Module, type Tensor } from '@peftjs/core';
import { dataCollatorWithPadding } from '@peftjs/data';
import type { ClassificationExample } from './data.js';

export interface TrainSettings {
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  /** Share of the steps spent warming the learning rate up from 0. */
  readonly warmupRatio: number;
  readonly padTokenId: number;
  readonly seed: number;
  readonly progress: boolean;
}

export interface TrainResult {
  /** The training loss of every step. */
  readonly losses: number[];
  readonly seconds: number;
}

/** Trains the parameters of `model` that require gradients on `examples`; the model stays in eval mode afterwards. */
export async function trainClassifier(
  model: Module,
  examples: readonly ClassificationExample[],
  settings: TrainSettings,
): Promise<TrainResult> {
  const params: Tensor[] = model.parameters().filter((p) => p.requiresGrad);
  if (params.length === 0) throw new Error('trainClassifier: the model has no parameter that requires gradients');
  const loader = new DataLoader(examples, {
    batchSize: settings.batchSize,
    shuffle: true,
    seed: settings.seed,
    collateFn: dataCollatorWithPadding({ padTokenId: settings.padTokenId }),
  });
  const optimizer = new AdamW(params, { lr: settings.lr, weightDecay: 0 });
  const scheduler = getLinearScheduleWithWarmup(optimizer, Math.round(settings.warmupRatio * settings.steps), settings.steps);
  const trainer = new Trainer({
    model,
    optimizer,
    scheduler,
    trainLoader: loader,
    maxSteps: settings.steps,
    maxGradNorm: 1,
    loggingSteps: 1,
    callbacks: settings.progress ? [new ProgressCallback()] : [],
  });
  const start = performance.now();
  try {
    await trainer.train();
  } finally {
    optimizer.dispose();
    model.eval();
  }
  const seconds = (performance.now() - start) / 1000;
  const losses = trainer.state.logHistory.filter((e) => e.loss !== undefined).map((e) => e.loss!);
  return { losses, seconds };
}
