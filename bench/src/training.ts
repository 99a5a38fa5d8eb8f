/**
 * What the training benchmarks (`train`, `lora`) share: batches of real text, the timed peft.js
 * loop, the result table and the check that peft.js and PyTorch follow the same loss curve.
 */
import { tidy, type Tensor } from '@peftjs/core';
import { ByteTokenizer, chunkTokens } from '@peftjs/data';
import { loadMobyDick } from '@peftjs/datasets';
import { printTable } from './timing.js';

export interface TrainResult {
  readonly name: string;
  readonly threads: number;
  readonly stepMs: number;
  readonly tokensPerSecond: number;
  readonly initialLoss: number;
  readonly losses: readonly number[];
  /** Peak resident memory of the process that trained, in bytes (when known). */
  readonly peakRssBytes?: number;
}

export interface TrainSetup {
  readonly batchSize: number;
  readonly seqLen: number;
  readonly warmup: number;
  readonly steps: number;
}

/** `count` distinct [batchSize, seqLen] windows of Moby Dick's training text, as bytes. */
export function textBatches(count: number, { batchSize, seqLen }: TrainSetup): Int32Array {
  const ids = new ByteTokenizer().encode(loadMobyDick().train);
  const blocks = chunkTokens(ids, seqLen);
  const need = count * batchSize;
  if (blocks.length < need) throw new Error(`train: the text gives ${blocks.length} blocks of ${seqLen}, ${need} needed`);
  const out = new Int32Array(need * seqLen);
  for (let i = 0; i < need; i++) out.set(blocks[i], i * seqLen);
  return out;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function positiveInt(bench: string, value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${bench}: --${flag} must be a positive integer, got ${value}`);
  return n;
}

/**
 * Times `setup.warmup + setup.steps` calls of `step` (one training step that returns its loss),
 * each ended by reading the loss back, as loss.item() does in PyTorch.
 */
export async function timePeftSteps(
  step: (ids: Tensor) => Tensor,
  initialLoss: number,
  batches: readonly Tensor[],
  setup: TrainSetup,
  threads: number,
): Promise<TrainResult> {
  const losses: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < setup.warmup + setup.steps; i++) {
    const ids = batches[i % batches.length];
    const start = performance.now();
    const loss = tidy(() => step(ids));
    losses.push(await loss.item());
    loss.dispose();
    if (i >= setup.warmup) times.push(performance.now() - start);
  }
  const stepMs = median(times);
  return {
    name: 'peft.js',
    threads,
    stepMs,
    tokensPerSecond: (setup.batchSize * setup.seqLen * 1000) / stepMs,
    initialLoss,
    losses,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/**
 * The table (peft.js first, then its peers) with tokens/s, the ratio of peft.js to each and to
 * the best peer, and a check line per peer: same loss at the start, same curve over the steps both ran.
 */
export function reportTraining(results: readonly TrainResult[]): void {
  const [peft, ...peers] = results;
  const steps = Math.min(...results.map((r) => r.losses.length));
  const mib = (r: TrainResult) => (r.peakRssBytes === undefined ? '' : (r.peakRssBytes / 2 ** 20).toFixed(0));
  printTable(
    ['implementation', 'threads', 'ms/step', 'tokens/s', 'peft.js/this', 'peak RSS MiB', 'loss at start', `loss after ${steps} steps`],
    results.map((r) => [
      r.name,
      String(r.threads),
      r.stepMs.toFixed(1),
      r.tokensPerSecond.toFixed(0),
      `${(peft.tokensPerSecond / r.tokensPerSecond).toFixed(3)}x`,
      mib(r),
      r.initialLoss.toFixed(5),
      r.losses[steps - 1].toFixed(5),
    ]),
  );
  if (peers.length > 0) {
    const best = peers.reduce((x, y) => (y.tokensPerSecond > x.tokensPerSecond ? y : x));
    console.log(`peft.js / best PyTorch (${best.name}): ${(peft.tokensPerSecond / best.tokensPerSecond).toFixed(3)}x`);
  }
  for (const t of peers) {
    const startDiff = Math.abs(t.initialLoss - peft.initialLoss);
    const curveDiff = Math.max(...peft.losses.slice(0, steps).map((l, i) => Math.abs(l - t.losses[i])));
    const ok = startDiff < 1e-4 && curveDiff < 1e-2;
    console.log(
      `check ${t.name}: loss at start differs by ${startDiff.toExponential(2)}, over the first ${steps} steps by at most ` +
        `${curveDiff.toExponential(2)}: ${ok ? 'same model, same training' : 'MISMATCH (the two implementations disagree)'}`,
    );
  }
}
