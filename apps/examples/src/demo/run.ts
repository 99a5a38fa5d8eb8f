/** The whole demo: a linear probe, a PEFT method and full fine-tuning of byte-gpt2 on SpamAssassin, compared. */
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { manualSeed } from '@peftjs/core';
import { writeFileAtomic } from '@peftjs/core/node';
import type { PeftModel } from '@peftjs/methods';
import type { GPT2ForSequenceClassification } from '@peftjs/models';
import { saveReloadAndMerge, type AdapterCheck } from './adapter.js';
import { useBackend } from './backend.js';
import { writeLossCurves } from './curves.js';
import { loadSpamData, type SpamData } from './data.js';
import { evaluateAccuracy, type Accuracy, type Classifier } from './evaluate.js';
import { applyMethod, methodSetup, type MethodSetup } from './methods.js';
import { countParameters, freezeExcept, loadClassifier } from './model.js';
import { totalSteps, type DemoOptions } from './options.js';
import { resultsTable, share, type RunSummary } from './report.js';
import { trainClassifier } from './train.js';

/** Learning rates of the fixed runs (the PEFT method's comes from its defaults or --lr). */
export const PROBE_LR = 1e-2;
export const FULL_LR = 1e-3;

export interface DemoResult {
  readonly backend: string;
  readonly majorityAccuracy: number;
  readonly runs: readonly RunSummary[];
  readonly adapter: AdapterCheck;
  readonly table: string;
  readonly lossCurves: string;
  readonly seconds: number;
}

export interface DemoContext {
  readonly options: DemoOptions;
  readonly data: SpamData;
  readonly steps: number;
  readonly log: (line: string) => void;
}

/** Trains what requires gradients in `model`, then measures its test accuracy; `notes` are logged under the run's first line. */
export async function trainAndEvaluate(
  ctx: DemoContext,
  name: string,
  model: Classifier,
  lr: number,
  notes: readonly string[] = [],
): Promise<{ summary: RunSummary; evaluation: Accuracy }> {
  const { options, data, steps, log } = ctx;
  const { trainable, all } = countParameters(model);
  const stepsText = `${steps} step${steps === 1 ? '' : 's'} of ${options.batchSize} emails`;
  log(
    `\n${name}: ${trainable.toLocaleString('en-US')} of ${all.toLocaleString('en-US')} parameters train (${share(trainable, all)}); ${stepsText}, lr ${lr}`,
  );
  notes.forEach((line) => log(line));
  const { losses, seconds } = await trainClassifier(model, data.train, {
    steps,
    batchSize: options.batchSize,
    lr,
    warmupRatio: 0.1,
    padTokenId: data.tokenizer.eosTokenId,
    seed: options.seed,
    progress: options.progress,
  });
  const evaluation = await evaluateAccuracy(model, data.test, data.tokenizer.eosTokenId);
  log(`${name}: test accuracy ${(100 * evaluation.accuracy).toFixed(1)}% (trained in ${seconds.toFixed(1)} s)`);
  return { summary: { name, accuracy: evaluation.accuracy, trainable, all, seconds, losses }, evaluation };
}

/** Runs `fn` on `model` and frees the model afterwards, also when `fn` fails. */
async function withModel<M extends { dispose(): void }, T>(model: M, fn: (model: M) => Promise<T>): Promise<T> {
  try {
    return await fn(model);
  } finally {
    model.dispose();
  }
}

/** A fresh classifier from the base checkpoint; the score head's init is the same in every run. */
async function freshClassifier(options: DemoOptions): Promise<GPT2ForSequenceClassification> {
  manualSeed(options.seed);
  return loadClassifier(options.model);
}

export async function runDemo(options: DemoOptions, log: (line: string) => void = console.log): Promise<DemoResult> {
  const start = performance.now();
  const backend = await useBackend(options.backend);
  // the PEFT model first, so a method that cannot adapt this model fails before any training
  const setup = methodSetup(options.method, basename(options.model));
  const base = await freshClassifier(options);
  let peft: PeftModel<GPT2ForSequenceClassification>;
  try {
    peft = applyMethod(base, setup);
  } catch (e) {
    base.dispose();
    throw e;
  }
  return withModel(peft, () => runAll(options, backend, setup, peft, start, log));
}

async function runAll(
  options: DemoOptions,
  backend: string,
  setup: MethodSetup,
  peft: PeftModel<GPT2ForSequenceClassification>,
  start: number,
  log: (line: string) => void,
): Promise<DemoResult> {
  const data = loadSpamData(options);
  const steps = totalSteps(options);
  const ctx: DemoContext = { options, data, steps, log };
  const spam = data.train.filter((e) => e.label === 1).length;
  const modelName = basename(options.model);
  log(
    `peft.js demo: spam classification with ${modelName} on the ${backend} backend. ${data.train.length} training emails (${spam} spam), ` +
      `${data.test.length} test emails, the first ${options.maxLength} bytes of each.`,
  );
  await mkdir(options.out, { recursive: true });

  const runs: RunSummary[] = [];
  await withModel(await freshClassifier(options), async (probe) => {
    freezeExcept(probe, (name) => name.startsWith('score.'));
    runs.push((await trainAndEvaluate(ctx, 'linear probe', probe, PROBE_LR)).summary);
  });

  const peftCount: string[] = [];
  peft.printTrainableParameters((line) => peftCount.push(`${line} (peft.printTrainableParameters())`));
  const { summary, evaluation } = await trainAndEvaluate(ctx, setup.label, peft, options.lr ?? setup.lr, peftCount);
  runs.push(summary);
  const adapter = await saveReloadAndMerge({
    peft,
    trained: evaluation,
    test: data.test,
    padTokenId: data.tokenizer.eosTokenId,
    out: options.out,
    log,
    freshBase: () => freshClassifier(options),
  });

  if (!options.skipFull) {
    await withModel(await freshClassifier(options), async (full) => {
      runs.push((await trainAndEvaluate(ctx, 'full fine-tuning', full, FULL_LR)).summary);
    });
  }

  const table = resultsTable(runs, data.majorityAccuracy, data.test.length);
  log(`\n${table}`);
  const lossCurves = join(options.out, 'loss-curves.png');
  await writeLossCurves(lossCurves, runs, `Training loss: spam classification with ${modelName}`);
  log(`\nloss curves: ${lossCurves}`);
  const seconds = (performance.now() - start) / 1000;
  const result: DemoResult = { backend, majorityAccuracy: data.majorityAccuracy, runs, adapter, table, lossCurves, seconds };
  await writeFileAtomic(join(options.out, 'results.json'), `${JSON.stringify({ options, ...result }, null, 2)}\n`);
  log(`done in ${seconds.toFixed(1)} s`);
  return result;
}
