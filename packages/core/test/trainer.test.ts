import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdamW,
  DataLoader,
  EarlyStoppingCallback,
  Linear,
  Module,
  ProgressCallback,
  Trainer,
  crossEntropy,
  dropout,
  getCosineScheduleWithWarmup,
  manualSeed,
  memory,
  relu,
  setBackend,
  tensor,
  type LogEntry,
  type Tensor,
  type TrainerCallback,
} from '@peftjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@peftjs/backend-cpu';
// The Node entry registers the file-system checkpoint store.
import '@peftjs/core/node';

interface Batch {
  x: Tensor;
  y: Tensor;
}

/** A two-layer MLP with dropout, so resuming must restore the RNG too. */
class Mlp extends Module {
  readonly fc1 = this.registerModule('fc1', new Linear(4, 16));
  readonly fc2 = this.registerModule('fc2', new Linear(16, 3));
  forward(batch: Batch): { loss: Tensor; logits: Tensor } {
    const logits = this.fc2.forward(dropout(relu(this.fc1.forward(batch.x)), 0.2, this.training));
    return { loss: crossEntropy(logits, batch.y), logits };
  }
}

function dataset(n: number): { x: Float32Array; y: number }[] {
  let s = 99;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, () => {
    const x = Float32Array.from({ length: 4 }, next);
    return { x, y: (x[0] + x[1] > 0 ? 1 : 0) + (x[2] > 0.3 ? 1 : 0) };
  });
}

const TOTAL = 12;
const data = dataset(40); // 10 batches of 4, 5 optimizer steps an epoch with accumulation 2

function setup(seed: number, maxSteps: number, extra: { resumeFromCheckpoint?: string; callbacks?: TrainerCallback[] } = {}) {
  manualSeed(seed);
  const model = new Mlp();
  const optimizer = new AdamW(model.parameters(), { lr: 0.02, weightDecay: 0.01 });
  const scheduler = getCosineScheduleWithWarmup(optimizer, 3, TOTAL);
  const trainLoader = new DataLoader<{ x: Float32Array; y: number }, Batch>(data, { batchSize: 4, shuffle: true, seed: 5 });
  const trainer = new Trainer<Batch>({
    model,
    optimizer,
    scheduler,
    trainLoader,
    gradientAccumulationSteps: 2,
    maxGradNorm: 0.5,
    maxSteps,
    loggingSteps: 1,
    ...extra,
  });
  const dispose = () => {
    model.dispose();
    optimizer.dispose();
  };
  return { model, optimizer, trainer, dispose };
}

const losses = (history: LogEntry[]) =>
  history.filter((e) => e.loss !== undefined).map((e) => [e.step, e.loss!, e.gradNorm!, e.learningRate!]);

describe('Trainer', () => {
  let dir: string;
  beforeAll(async () => {
    await setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'trainer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes exactly: the losses after a save and a fresh start equal the uninterrupted run’s', async () => {
    const whole = setup(0, TOTAL);
    await whole.trainer.train();
    const reference = losses(whole.trainer.state.logHistory);
    expect(reference.map((r) => r[0])).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(reference[TOTAL - 1][1]).toBeLessThan(reference[0][1]);
    const finalWeights = [...(await whole.model.fc1.weight.data())];
    whole.dispose();

    const K = 7; // mid-epoch, after the warmup, with dropout and shuffling on both sides of the cut
    const first = setup(0, K);
    await first.trainer.train();
    await first.trainer.saveCheckpoint(join(dir, 'checkpoint-7'));
    expect(losses(first.trainer.state.logHistory)).toEqual(reference.slice(0, K));
    first.dispose();
    manualSeed(12345); // a different RNG state and different initial weights: the checkpoint must restore both

    const resumed = setup(777, TOTAL, { resumeFromCheckpoint: join(dir, 'checkpoint-7') });
    await resumed.trainer.train();
    const after = losses(resumed.trainer.state.logHistory);
    expect(after.slice(K)).toEqual(reference.slice(K)); // toEqual on numbers is ===: bit for bit
    expect(after.slice(K).every((r, i) => r[1] === reference[K + i][1])).toBe(true);
    expect([...(await resumed.model.fc1.weight.data())]).toEqual(finalWeights);
    expect(resumed.trainer.state.globalStep).toBe(TOTAL);
    resumed.dispose();
  });

  it('keeps the live tensor count flat from step to step', async () => {
    const counts: number[] = [];
    const run = setup(1, 8, { callbacks: [{ onStepEnd: () => void counts.push(memory().numTensors) }] });
    const before = memory().numTensors;
    await run.trainer.train();
    expect(new Set(counts.slice(1)).size).toBe(1);
    run.dispose();
    expect(memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('writes checkpoints atomically into a folder, replacing an older one', async () => {
    const run = setup(2, 2);
    await run.trainer.train();
    const target = join(dir, 'ckpt');
    const files = [
      'model.safetensors',
      'optimizer.json',
      'optimizer.safetensors',
      'rng_state.json',
      'scheduler.json',
      'trainer_state.json',
    ];
    await run.trainer.saveCheckpoint(target);
    expect((await readdir(target)).sort()).toEqual(files);
    // saving over it writes a version folder and commits by renaming the CURRENT pointer; the old files go after
    await run.trainer.saveCheckpoint(target);
    const [version, pointer] = (await readdir(target)).sort();
    expect([version!.startsWith('.v-'), pointer]).toEqual([true, 'CURRENT']);
    expect((await readdir(join(target, version!))).sort()).toEqual(files);
    await run.trainer.loadCheckpoint(target);
    expect((await readdir(dir)).filter((n) => n.includes('ckpt'))).toEqual(['ckpt']);
    run.dispose();
  });

  it('a checkpoint of another optimizer or model fails clearly', async () => {
    const run = setup(3, 1);
    await run.trainer.train();
    await run.trainer.saveCheckpoint(join(dir, 'other'));
    manualSeed(3);
    const model = new Linear(4, 3);
    const optimizer = new AdamW(model.parameters());
    const loader = new DataLoader(data, { batchSize: 4 });
    const trainer = new Trainer({
      model,
      optimizer,
      trainLoader: loader,
      computeLoss: () => {
        throw new Error('unused');
      },
    });
    await expect(trainer.loadCheckpoint(join(dir, 'other'))).rejects.toThrow(/loadStateDict: missing keys/);
    await expect(trainer.loadCheckpoint(join(dir, 'missing'))).rejects.toThrow(/checkpoint: cannot read/);
    run.dispose();
    model.dispose();
    optimizer.dispose();
  });

  it('a checkpoint that fails part-way leaves the model and optimizer as they were', async () => {
    const saved = setup(4, 3);
    await saved.trainer.train();
    const target = join(dir, 'bad-scheduler');
    await saved.trainer.saveCheckpoint(target);
    saved.dispose();
    // The model and optimizer parts fit; the scheduler's state names one group too many.
    const scheduler = JSON.parse(await readFile(join(target, 'scheduler.json'), 'utf8'));
    scheduler.baseLrs.push(0.1);
    scheduler.lastLr.push(0.1);
    await writeFile(join(target, 'scheduler.json'), JSON.stringify(scheduler));

    const run = setup(5, 2);
    await run.trainer.train();
    const weights = [...(await run.model.fc1.weight.data())];
    const state = run.optimizer.stateDict();
    const moments = [...(await state.state[0].tensors.m.data())];
    const lr = run.optimizer.paramGroups[0].options.lr;
    await expect(run.trainer.loadCheckpoint(target)).rejects.toThrow(/LambdaLR.loadStateDict/);
    expect([...(await run.model.fc1.weight.data())]).toEqual(weights);
    const after = run.optimizer.stateDict();
    expect(after.state[0].step).toBe(state.state[0].step);
    expect([...(await after.state[0].tensors.m.data())]).toEqual(moments);
    expect(run.optimizer.paramGroups[0].options.lr).toBe(lr);
    run.dispose();
  });

  it('EarlyStoppingCallback stops when the eval loss stops improving', async () => {
    manualSeed(4);
    const model = new Mlp();
    const optimizer = new AdamW(model.parameters(), { lr: 0, weightDecay: 0 }); // nothing changes, so nothing improves
    const evalLoader = new DataLoader<{ x: Float32Array; y: number }, Batch>(data.slice(0, 8), { batchSize: 4 });
    const trainer = new Trainer<Batch>({
      model,
      optimizer,
      trainLoader: new DataLoader(data, { batchSize: 4 }),
      evalLoader,
      evalSteps: 1,
      maxSteps: 50,
      callbacks: [new EarlyStoppingCallback({ patience: 2 })],
    });
    await trainer.train();
    expect(trainer.state.globalStep).toBe(3);
    const evals = trainer.state.logHistory.filter((e) => e.evalLoss !== undefined);
    expect(evals).toHaveLength(3);
    expect(trainer.state.bestMetric).toBe(evals[0].evalLoss);
    model.dispose();
    optimizer.dispose();
  });

  it('ProgressCallback draws step/total, loss, rate, elapsed and time left', async () => {
    let written = '';
    let clock = 0;
    const progress = new ProgressCallback({ stream: { write: (s) => (written += s), isTTY: true }, now: () => clock, barWidth: 10 });
    const run = setup(5, 4, { callbacks: [{ onStepEnd: () => void (clock += 500) }, progress] });
    await run.trainer.train();
    const lines = written.split('\r').filter(Boolean);
    expect(lines).toHaveLength(4);
    // step 2 of 4 after 1 s: 16 samples/s, 1 s left; the loss is the one logged at step 1
    expect(lines[1]).toMatch(/^step 2\/4 \[#####-----\] 50% \| loss \d\.\d{4} \| 16\.0 samples\/s \| 00:01<00:01$/);
    expect(lines[3]).toMatch(/^step 4\/4 \[##########\] 100% .*00:02<00:00\n$/);
    run.dispose();
  });

  it('names bad options', () => {
    const run = setup(6, 1);
    const base = { model: run.model, optimizer: run.optimizer, trainLoader: new DataLoader(data) };
    expect(() => new Trainer({ ...base, gradientAccumulationSteps: 0 })).toThrow(
      /gradientAccumulationSteps must be an integer >= 1, got 0/,
    );
    expect(() => new Trainer({ ...base, evalSteps: 5 })).toThrow(/evalSteps needs an evalLoader/);
    run.dispose();
    expect(tensor([1]).shape).toEqual([1]);
  });
});
