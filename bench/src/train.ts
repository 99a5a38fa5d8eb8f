/**
 * Training throughput of a small byte-level GPT-2 (the `npm run pretrain` model): full fine-tuning
 * with AdamW and gradient clipping, tokens/s of
 *   peft.js   GPT2LMHeadModel on the CPU backend (one thread)
 *   PyTorch   the same GPT-2 written in python/gpt2_train.py, on the CPU, all cores and one thread
 * on the same initial weights (saved by peft.js, loaded by PyTorch) and the same batches of real text.
 * Both must start from the same loss and follow the same loss curve: the correctness check.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AdamW, clipGradNorm, getBackend, manualSeed, noGrad, setBackend, tensor, type Tensor } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { GPT2Config, GPT2LMHeadModel } from '@peftjs/models';
import { savePretrained } from '@peftjs/models/node';
import { locateGoldenDir } from '@peftjs/conformance';
import { ensurePyTorch, runPythonJson } from './pytorch.js';
import {
  positiveInt as checkedInt,
  reportTraining,
  textBatches,
  timePeftSteps,
  type TrainResult as Result,
  type TrainSetup as Setup,
} from './training.js';

const PYTHON_SCRIPT = fileURLToPath(new URL('../python/gpt2_train.py', import.meta.url));
const LR = 1e-3;
const WEIGHT_DECAY = 0.01;
const MAX_GRAD_NORM = 1;

async function peftTrain(model: GPT2LMHeadModel, batches: readonly Tensor[], setup: Setup): Promise<Result> {
  const initialLoss = await noGrad(() => model.forward({ inputIds: batches[0], labels: batches[0] }).loss!).item();
  const optimizer = new AdamW(model.parameters(), { lr: LR, weightDecay: WEIGHT_DECAY });
  return timePeftSteps(
    (ids) => {
      const { loss } = model.forward({ inputIds: ids, labels: ids });
      optimizer.zeroGrad();
      loss!.backward();
      clipGradNorm(model.parameters(), MAX_GRAD_NORM);
      optimizer.step();
      return loss!;
    },
    initialLoss,
    batches,
    setup,
    Math.min(8, availableParallelism()),
  );
}

interface TorchOutput {
  torch: string;
  threads: number;
  stepMs: number;
  tokensPerSecond: number;
  initialLoss: number;
  losses: number[];
  peakRssBytes?: number;
}

function torchTrain(dir: string, threads: number, setup: Setup): Result & { version: string } {
  const out = runPythonJson<TorchOutput>(PYTHON_SCRIPT, [dir, String(threads), String(setup.warmup), String(setup.steps)]);
  return { ...out, name: `PyTorch ${out.threads}t`, version: out.torch };
}

/** The golden GPT-2 case (weights, input ids and transformers' logits) the PyTorch model is checked on. */
const GOLDEN_GPT2_CASE = ['peft', 'lora_gpt2_conv1d'];

/** Checks the PyTorch GPT-2 against transformers' own logits where the golden vectors are present. */
async function checkTorchAgainstHF(): Promise<string> {
  let dir: string;
  try {
    dir = join((await locateGoldenDir()).dir, ...GOLDEN_GPT2_CASE);
  } catch {
    return 'check PyTorch GPT-2 against transformers: skipped (no golden vectors; set PEFTJS_GOLDEN_DIR)';
  }
  const { maxRelDiff } = runPythonJson<{ maxRelDiff: number }>(PYTHON_SCRIPT, ['check', dir]);
  const verdict = maxRelDiff < 1e-4 ? 'same model' : 'MISMATCH';
  return `check PyTorch GPT-2 against transformers' GPT2LMHeadModel logits (golden ${GOLDEN_GPT2_CASE.join('/')}): max relative difference ${maxRelDiff.toExponential(2)}: ${verdict}`;
}

const positiveInt = (value: string | undefined, flag: string): number => checkedInt('train', value, flag);

export async function benchTrain(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      batch: { type: 'string', default: '8' },
      seq: { type: 'string', default: '128' },
      warmup: { type: 'string', default: '1' },
      steps: { type: 'string', default: '4' },
      'torch-steps': { type: 'string', default: '20' },
    },
  });
  const setup: Setup = {
    batchSize: positiveInt(values.batch, 'batch'),
    seqLen: positiveInt(values.seq, 'seq'),
    warmup: positiveInt(values.warmup, 'warmup'),
    steps: positiveInt(values.steps, 'steps'),
  };
  const torchSetup: Setup = { ...setup, steps: positiveInt(values['torch-steps'], 'torch-steps') };
  const batchCount = 4;

  await setBackend('cpu');
  manualSeed(0);
  const config = new GPT2Config({
    vocabSize: 257,
    nPositions: Math.max(128, setup.seqLen),
    nEmbd: 128,
    nLayer: 4,
    nHead: 4,
    residPdrop: 0,
    embdPdrop: 0,
    attnPdrop: 0,
  });
  const model = new GPT2LMHeadModel(config);
  const dir = mkdtempSync(join(tmpdir(), 'peftjs-bench-train-'));
  try {
    await savePretrained(model, dir);
    const data = textBatches(batchCount, setup);
    writeFileSync(join(dir, 'batches.bin'), data);
    writeFileSync(
      join(dir, 'bench.json'),
      JSON.stringify({ batches: batchCount, ...setup, lr: LR, weightDecay: WEIGHT_DECAY, maxGradNorm: MAX_GRAD_NORM }),
    );
    const perBatch = setup.batchSize * setup.seqLen;
    const batches = Array.from({ length: batchCount }, (_, i) =>
      tensor(data.subarray(i * perBatch, (i + 1) * perBatch), { shape: [setup.batchSize, setup.seqLen], dtype: 'int32' }),
    );

    const cores = availableParallelism();
    console.log(
      `GPT-2 training step, ${config.nLayer} layers, ${config.nHead} heads, n_embd ${config.nEmbd}, vocab ${config.vocabSize}; ` +
        `batch ${setup.batchSize} × ${setup.seqLen} tokens; AdamW lr ${LR}, weight decay ${WEIGHT_DECAY}, clip ${MAX_GRAD_NORM}; ` +
        `Node ${process.version}, ${cores} core(s)`,
    );
    const results: Result[] = [];
    console.log(`peft.js (${getBackend()} backend): ${setup.warmup} warm-up + ${setup.steps} timed steps...`);
    results.push(await peftTrain(model, batches, setup));
    batches.forEach((b) => b.dispose());

    const unavailable = ensurePyTorch();
    if (unavailable !== null) {
      console.log(`PyTorch skipped: ${unavailable}`);
    } else {
      console.log(await checkTorchAgainstHF());
      for (const threads of cores > 1 ? [cores, 1] : [1]) {
        console.log(`PyTorch, ${threads} thread(s): ${torchSetup.warmup} warm-up + ${torchSetup.steps} timed steps...`);
        const result = torchTrain(dir, threads, torchSetup);
        if (results.length === 1) console.log(`PyTorch ${result.version}`);
        results.push(result);
      }
    }
    reportTraining(results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
