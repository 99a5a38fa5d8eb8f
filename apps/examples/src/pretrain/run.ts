/** One pretraining run: data, model, optimizer and schedule, the Trainer, evaluation, files. */
import { mkdir } from 'node:fs/promises';
import {
  AdamW,
  DataLoader,
  ProgressCallback,
  Trainer,
  getBackend,
  getCosineScheduleWithWarmup,
  manualSeed,
  setBackend,
  tensor,
  type Tensor,
} from '@peftjs/core';
import '@peftjs/backend-cpu';
import { GPT2Config, GPT2LMHeadModel } from '@peftjs/models';
import { savePretrained } from '@peftjs/models/node';
import { ByteTokenizer } from '@peftjs/data';
import { corpusBlocks, evenlySpaced, type CorpusBlocks } from './corpus.js';
import { combine, evaluateLoss, type Evaluation } from './evaluate.js';
import type { PretrainOptions } from './options.js';
import { writeTrainingRecord, type TrainingRecord } from './record.js';

/** Steps between loss read-backs (the progress bar shows the last logged loss). */
const LOGGING_STEPS = 5;

export interface RunHooks {
  log: (line: string) => void;
}

/** Weight decay on matrices only: biases, LayerNorm gains and embeddings keep their scale (HF and nanoGPT practice). */
function parameterGroups(model: GPT2LMHeadModel, weightDecay: number) {
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    const matrix = p.rank >= 2 && !name.includes('wte') && !name.includes('wpe');
    (matrix ? decay : noDecay).push(p);
  }
  return [
    { params: decay, options: { weightDecay } },
    { params: noDecay, options: { weightDecay: 0 } },
  ];
}

async function evaluateCorpora(model: GPT2LMHeadModel, corpora: readonly CorpusBlocks[], count: number, batchSize: number) {
  const result: Record<string, Evaluation> = {};
  for (const corpus of corpora) result[corpus.name] = await evaluateLoss(model, evenlySpaced(corpus.blocks, count), batchSize);
  result.all = combine(Object.values(result));
  return result;
}

export async function runPretrain(
  options: PretrainOptions,
  command: string,
  hooks: RunHooks = { log: console.log },
): Promise<TrainingRecord> {
  const { log } = hooks;
  await setBackend('cpu');
  manualSeed(options.seed);
  const tokenizer = new ByteTokenizer();
  const endOfText = tokenizer.eosTokenId;
  const train = corpusBlocks(tokenizer, 'train', options.blockSize);
  const validation = corpusBlocks(tokenizer, 'validation', options.blockSize);
  const trainBlocks = train.flatMap((c) => c.blocks);

  const config = new GPT2Config({
    vocabSize: tokenizer.vocabSize,
    nPositions: options.blockSize,
    nEmbd: options.nEmbd,
    nLayer: options.nLayer,
    nHead: options.nHead,
    residPdrop: 0,
    embdPdrop: 0,
    attnPdrop: 0,
    bosTokenId: endOfText,
    eosTokenId: endOfText,
  });
  const model = new GPT2LMHeadModel(config);
  const parameters = model.parameters().reduce((n, p) => n + p.size, 0);
  log(
    `byte-level GPT-2: ${options.nLayer} layers, ${options.nHead} heads, n_embd ${options.nEmbd}, context ${options.blockSize}, ` +
      `${parameters.toLocaleString('en-US')} parameters; ${trainBlocks.length} training windows; ${options.steps} steps of ` +
      `${options.batchSize} × ${options.blockSize} bytes on the ${getBackend()} backend`,
  );

  const loader = new DataLoader(trainBlocks, {
    batchSize: options.batchSize,
    shuffle: true,
    seed: options.seed,
    dropLast: true,
    collateFn: (blocks: readonly Int32Array[]) => {
      const flat = new Int32Array(blocks.length * options.blockSize);
      blocks.forEach((b, i) => flat.set(b, i * options.blockSize));
      const inputIds = tensor(flat, { shape: [blocks.length, options.blockSize], dtype: 'int32' });
      return { inputIds, labels: inputIds };
    },
  });
  const optimizer = new AdamW(parameterGroups(model, options.weightDecay), { lr: options.lr });
  const scheduler = getCosineScheduleWithWarmup(optimizer, options.warmupSteps, options.steps);
  const trainer = new Trainer({
    model,
    optimizer,
    scheduler,
    trainLoader: loader,
    maxSteps: options.steps,
    maxGradNorm: options.maxGradNorm,
    loggingSteps: LOGGING_STEPS,
    callbacks: options.progress ? [new ProgressCallback()] : [],
  });
  const start = performance.now();
  await trainer.train();
  const seconds = (performance.now() - start) / 1000;
  const tokensSeen = options.steps * options.batchSize * options.blockSize;

  log(`trained in ${seconds.toFixed(1)} s (${(tokensSeen / seconds).toFixed(0)} tokens/s); evaluating...`);
  const evalBatch = Math.max(options.batchSize, 8);
  const validationEval = await evaluateCorpora(model, validation, options.evalBlocks, evalBatch);
  const trainEval = await evaluateCorpora(model, train, options.evalBlocks, evalBatch);
  for (const [name, e] of Object.entries(validationEval)) {
    log(`validation ${name.padEnd(10)} loss ${e.loss.toFixed(4)}  perplexity ${e.perplexity.toFixed(2)} per byte (${e.tokens} bytes)`);
  }
  log(`train      all        loss ${trainEval.all.loss.toFixed(4)}  perplexity ${trainEval.all.perplexity.toFixed(2)} per byte`);

  const logged = trainer.state.logHistory.filter((e) => e.loss !== undefined);
  const { out, progress: _progress, ...settings } = options;
  const record: TrainingRecord = {
    command,
    options: settings,
    parameters,
    trainBytes: Object.fromEntries(train.map((c) => [c.name, c.bytes])),
    tokensSeen,
    seconds,
    tokensPerSecond: tokensSeen / seconds,
    backend: getBackend(),
    node: process.version,
    lastTrainLoss: logged[logged.length - 1].loss!,
    train: trainEval,
    validation: validationEval,
  };
  await mkdir(out, { recursive: true });
  await savePretrained(model, out);
  await writeTrainingRecord(out, record, tokenizer);
  log(`wrote ${out}`);
  model.dispose();
  optimizer.dispose();
  return record;
}
