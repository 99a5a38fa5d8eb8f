/**
 * A long LoRA run keeps memory level: tensor and buffer counts are the same at every evaluation,
 * and the process's RSS stays within 10% of its value once the run has warmed up. In `npm test`:
 * 1,000 steps with an evaluation every 100, RSS compared with step 200. The long mode
 * (`npm run memory:long`, PEFTJS_MEMORY_LONG=1): 10,000 steps, an evaluation every 500, RSS
 * compared with step 1,000.
 */
import { AdamW, DataLoader, engine, manualSeed, memory, Trainer } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel } from '@peftjs/models';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { LoraConfig, getPeftModel } from '../../src/index.js';
import { useCpuBackend } from '../unit.js';

const LONG = process.env.PEFTJS_MEMORY_LONG === '1';
const RUN = LONG ? { steps: 10_000, evalSteps: 500, baseline: 1000 } : { steps: 1000, evalSteps: 100, baseline: 200 };

/** Token rows where each token follows from the one before, so the loss can fall. */
function corpus(rows: number, seq: number, vocab: number, seed: number): { inputIds: Int32Array; labels: Int32Array }[] {
  let s = seed;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % vocab;
  return Array.from({ length: rows }, () => {
    const ids = new Int32Array(seq);
    ids[0] = next();
    for (let i = 1; i < seq; i++) ids[i] = (ids[i - 1]! * 3 + 1) % vocab;
    return { inputIds: ids, labels: ids };
  });
}

// a full collection before each RSS reading, so garbage not yet collected does not count as growth
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Sample {
  step: number;
  tensors: number;
  dataBuffers: number;
  backendBuffers: number;
  rss: number;
  heap: number;
}

describe(`memory over a ${RUN.steps}-step LoRA run with evaluation every ${RUN.evalSteps} steps`, () => {
  useCpuBackend();

  it(
    'tensor and buffer counts stay flat and RSS within 10% of its value at the baseline step',
    async () => {
      manualSeed(11);
      const vocab = 17;
      const base = new GPT2LMHeadModel(new GPT2Config({ vocabSize: vocab, nPositions: 16, nEmbd: 16, nLayer: 1, nHead: 2 }));
      const peft = getPeftModel(base, new LoraConfig({ r: 4, loraAlpha: 8, targetModules: ['c_attn', 'c_proj'], loraDropout: 0.1 }));
      const optimizer = new AdamW(peft.trainableParameters(), { lr: 5e-3 });
      const trainLoader = new DataLoader(corpus(64, 12, vocab, 3), { batchSize: 4, shuffle: true, seed: 1 });
      const evalLoader = new DataLoader(corpus(16, 12, vocab, 9), { batchSize: 4 });
      const samples: Sample[] = [];
      const sample = (step: number) =>
        collectGarbage() ??
        samples.push({
          step,
          tensors: memory().numTensors,
          dataBuffers: memory().numDataBuffers,
          backendBuffers: engine().backend.numLiveBuffers(),
          rss: process.memoryUsage().rss,
          heap: process.memoryUsage().heapUsed,
        });
      const trainer = new Trainer({
        model: peft,
        optimizer,
        trainLoader,
        evalLoader,
        maxSteps: RUN.steps,
        evalSteps: RUN.evalSteps,
        loggingSteps: RUN.evalSteps,
        callbacks: [{ onEvaluate: ({ state }) => void sample(state.globalStep) }],
      });
      await trainer.train();

      expect(samples.map((s) => s.step)).toEqual(Array.from({ length: RUN.steps / RUN.evalSteps }, (_, i) => (i + 1) * RUN.evalSteps));
      const first = samples[0]!;
      for (const s of samples) {
        expect({ step: s.step, tensors: s.tensors, dataBuffers: s.dataBuffers, backendBuffers: s.backendBuffers }).toEqual({
          step: s.step,
          tensors: first.tensors,
          dataBuffers: first.dataBuffers,
          backendBuffers: first.backendBuffers,
        });
      }
      const baseline = samples.find((s) => s.step === RUN.baseline)!.rss;
      const worst = Math.max(...samples.filter((s) => s.step >= RUN.baseline).map((s) => s.rss));
      console.log(
        `memory: ${RUN.steps} steps, ${samples.length} evaluations, ${first.tensors} tensors, ${first.dataBuffers} buffers throughout; RSS ${(baseline / 2 ** 20).toFixed(1)} MiB at step ${RUN.baseline}, at most ${(worst / 2 ** 20).toFixed(1)} MiB after; JS heap ${(samples[0]!.heap / 2 ** 20).toFixed(1)} → ${(samples.at(-1)!.heap / 2 ** 20).toFixed(1)} MiB`,
      );
      expect(worst / baseline).toBeLessThan(1.1);
      // the run learned something, so the steps were real
      const evals = trainer.state.logHistory.filter((e) => e.evalLoss !== undefined).map((e) => e.evalLoss!);
      expect(evals.at(-1)!).toBeLessThan(evals[0]!);

      optimizer.dispose();
      peft.dispose();
    },
    LONG ? 0 : 120_000,
  );
});
